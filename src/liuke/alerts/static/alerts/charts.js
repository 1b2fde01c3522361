/* The alert pages' pictures (Apache ECharts, served by liuke itself).
 *
 * Each <div class="liuke-chart" data-chart="KIND" data-source="ID"> is drawn from the JSON of the
 * <script type="application/json" id="ID"> the page wrote with Django's json_script; every label in that
 * JSON is already translated. The same numbers are in a table beside each picture. */
(function () {
  "use strict";
  const lang = (document.documentElement.lang || "zh").toLowerCase();
  const locale = lang.startsWith("zh") ? "ZH" : "EN";
  const palette = ["#0b5d66", "#d63384", "#fd7e14", "#6f42c1", "#20c997", "#0d6efd", "#ffc107", "#6c757d", "#198754", "#adb5bd"];

  function data(id) {
    const node = id && document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  const labels = data("chart-labels") || {};

  function start(el, option) {
    const chart = echarts.init(el, null, { locale: locale, renderer: "canvas" });
    chart.setOption(Object.assign({ color: palette, animation: false }, option));
    window.addEventListener("resize", () => chart.resize());
    return chart;
  }

  function bars(el, categories, values, name, horizontal) {
    const cat = { type: "category", data: categories, axisLabel: { interval: 0, hideOverlap: true } };
    const val = { type: "value", name: name };
    start(el, {
      tooltip: { trigger: "axis" },
      grid: { left: horizontal ? 110 : 48, right: 16, top: 28, bottom: 28, containLabel: !horizontal },
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? Object.assign(cat, { inverse: true, axisLabel: { width: 100, overflow: "truncate" } }) : val,
      series: [{ type: "bar", name: name, data: values, barMaxWidth: 28 }],
    });
  }

  const draw = {
    "evidence-months": (el, d) => bars(el, d.months, d.by_month, d.quantity_label, false),
    "evidence-places": (el, d) => bars(el, d.places, d.by_place, d.quantity_label, true),

    sankey(el, d) {
      const names = Object.fromEntries(d.nodes.map((n) => [n.name, n.label]));
      start(el, {
        tooltip: {
          trigger: "item",
          formatter: (p) => p.dataType === "edge"
            ? `${names[p.data.source]} → ${names[p.data.target]}<br>${labels.quantity || ""}: ${p.data.value}`
            : `${names[p.name]}: ${p.value}`,
        },
        series: [{
          type: "sankey",
          left: 8, right: 90, top: 16, bottom: 16,
          nodeAlign: "justify",
          emphasis: { focus: "adjacency" },
          label: { formatter: (p) => names[p.name] || p.name },
          data: d.nodes.map((n) => ({ name: n.name, itemStyle: { color: n.name.startsWith("a") ? "#0b5d66" : "#6c757d" } })),
          links: d.links.map((l) => ({
            source: l.source, target: l.target, value: l.value,
            lineStyle: { color: l.cross ? "#d63384" : "#9ec5c9", opacity: l.cross ? 0.6 : 0.4 },
          })),
        }],
      });
    },

    map(el, d) {
      fetch(el.dataset.geo).then((r) => r.json()).then((geo) => {
        echarts.registerMap("china-provinces", geo);
        const max = Math.max(1, ...d.rows.map((r) => r.alerts));
        const byCode = Object.fromEntries(d.rows.map((r) => [r.code, r]));
        start(el, {
          tooltip: {
            trigger: "item",
            formatter: (p) => {
              const row = byCode[p.name];
              const name = row ? row.name : (p.data && p.data.label) || "";
              return row ? `${name}<br>${d.alerts_label}: ${row.alerts}<br>${d.cross_label}: ${row.cross}` : name;
            },
          },
          visualMap: { min: 0, max: max, left: 8, bottom: 8, calculable: true, itemHeight: 100,
                       inRange: { color: ["#f1f5f6", "#f0ad4e", "#d63384"] } },
          series: [{
            type: "map", map: "china-provinces", nameProperty: "code", roam: false,
            label: { show: false }, emphasis: { label: { show: false } },
            data: d.rows.map((r) => ({ name: r.code, value: r.alerts })),
          }],
        });
      }).catch(() => { el.textContent = labels.no_data || ""; });
    },

    stack(el, d) {
      const series = d[el.dataset.series] || [];
      if (!series.length) { el.textContent = labels.no_data || ""; el.classList.add("text-secondary", "small"); return; }
      start(el, {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { type: "scroll", bottom: 0 },
        grid: { left: 44, right: 12, top: 28, bottom: 56 },
        xAxis: { type: "category", data: d.months },
        yAxis: { type: "value", name: d.count_label, minInterval: 1 },
        series: series.map((s) => ({ type: "bar", stack: "alerts", name: s.name, data: s.data, barMaxWidth: 36 })),
      });
    },
  };

  function drawAll() {
    if (typeof echarts === "undefined") return;
    document.querySelectorAll(".liuke-chart[data-chart]").forEach((el) => {
      const d = data(el.dataset.source);
      const fn = draw[el.dataset.chart];
      if (d && fn) fn(el, d);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
