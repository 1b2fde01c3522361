/* The record-card form on a phone: the draft is kept on the phone as it is typed, a card submitted
   without a connection waits in the outbox (outbox.js), and the check-in asks the browser for the
   phone's position. Everything still works as a plain form when this script does not run. */
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  if (!form) return;
  var draftKey = form.dataset.draftKey;
  var banner = document.getElementById("outbox-banner");
  var keyInput = form.querySelector("[name=client_key]");
  if (keyInput && !keyInput.value) {
    keyInput.value = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
      : String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function fields() {
    var out = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "submit" || el.name === "csrfmiddlewaretoken") return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      out.push([el.name, el.value]);
    });
    return out;
  }
  function saveDraft() {
    try { localStorage.setItem(draftKey, JSON.stringify({ at: Date.now(), fields: fields() })); } catch (e) { /* full */ }
  }
  function restoreDraft() {
    var saved;
    try { saved = JSON.parse(localStorage.getItem(draftKey) || "null"); } catch (e) { saved = null; }
    if (!saved || document.querySelector("[data-testid=card-errors]")) return;
    var summary = form.querySelector("[name=summary]");
    if (summary && summary.value.trim()) return;
    var byName = {};
    saved.fields.forEach(function (p) { (byName[p[0]] = byName[p[0]] || []).push(p[1]); });
    ["step_text", "intel_competitor"].forEach(function (name) {  // enough rows for the saved lists
      var rows = (byName[name] || []).length;
      var selector = name === "step_text" ? "#steps .step-row" : "#intel .intel-row";
      while (form.querySelectorAll(selector).length < rows) addRow(selector);
    });
    var seen = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in byName) || el.type === "file" || el.name === "csrfmiddlewaretoken") return;
      if (el.type === "checkbox" || el.type === "radio") { el.checked = byName[el.name].indexOf(el.value) >= 0; return; }
      var i = seen[el.name] = (seen[el.name] || 0);
      if (i < byName[el.name].length) el.value = byName[el.name][i];
      seen[el.name] = i + 1;
    });
    document.getElementById("restored-banner").classList.remove("d-none");
    checkBackdate();
  }
  function addRow(selector) {
    var rows = form.querySelectorAll(selector);
    var last = rows[rows.length - 1];
    var copy = last.cloneNode(true);
    copy.querySelectorAll("input").forEach(function (i) { i.value = ""; });
    last.parentNode.appendChild(copy);
    return copy;
  }
  function checkBackdate() {
    var input = form.querySelector("[name=occurred_at]");
    var row = document.getElementById("backdate-row");
    if (!input || !row || !input.value) return;
    var days = (new Date(form.dataset.today) - new Date(input.value.slice(0, 10))) / 86400000;
    row.classList.toggle("d-none", !(days > Number(form.dataset.backdateDays)));
  }
  function say(text, kind) {
    banner.textContent = text;
    banner.className = "alert py-2 small alert-" + (kind || "warning");
  }

  form.addEventListener("input", saveDraft);
  form.addEventListener("change", function (e) { saveDraft(); if (e.target.name === "occurred_at") checkBackdate(); });
  form.querySelectorAll("[data-add-row]").forEach(function (btn) {
    btn.addEventListener("click", function () { addRow(btn.dataset.addRow).querySelector("input").focus(); });
  });
  var checkin = document.getElementById("checkin-btn");
  if (checkin) {
    checkin.addEventListener("click", function () {
      var status = document.getElementById("checkin-status");
      if (!navigator.geolocation) { status.textContent = "—"; return; }
      status.textContent = "…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector("[name=checkin_lat]").value = pos.coords.latitude.toFixed(6);
        form.querySelector("[name=checkin_lng]").value = pos.coords.longitude.toFixed(6);
        form.querySelector("[name=checkin_accuracy]").value = Math.round(pos.coords.accuracy || 0);
        status.textContent = "✓ ±" + Math.round(pos.coords.accuracy || 0) + " m";
        saveDraft();
      }, function (err) { status.textContent = err.message; }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  form.addEventListener("submit", function (e) {
    var action = (e.submitter && e.submitter.value) || "submit";
    var hasFiles = Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (i) { return i.files.length; });
    var url = form.getAttribute("action");
    var item = { url: url, action: action, fields: fields(), clientKey: keyInput.value, draftKey: draftKey };
    function queueIt() {
      window.liukeOutbox.queue(item);
      say(form.dataset.msgQueued + (hasFiles ? " " + form.dataset.msgFiles : ""));
      banner.dataset.queued = "1";
      window.scrollTo(0, 0);
    }
    if (!navigator.onLine) { e.preventDefault(); queueIt(); return; }
    if (hasFiles) return;  // files go with the plain form post
    e.preventDefault();
    var fd = new FormData(form);
    fd.set("action", action);
    fetch(url, { method: "POST", body: fd, credentials: "same-origin", headers: { "X-Requested-With": "liuke-outbox" } })
      .then(function (r) {
        var type = r.headers.get("Content-Type") || "";
        if (r.redirected || type.indexOf("application/json") < 0) {  // a login page, a server error
          window.liukeOutbox.queue(item);
          say(form.dataset.msgNotDelivered);
          banner.dataset.queued = "1";
          window.scrollTo(0, 0);
          return;
        }
        return r.json().then(function (data) {
          if (data.ok) { localStorage.removeItem(draftKey); window.location.href = data.url; return; }
          // Refused: the server's reason (kept as a draft or not saved); the same client key finds
          // that draft again when the corrected form is sent.
          var lines = [];
          Object.keys(data.errors || {}).forEach(function (k) { lines = lines.concat(data.errors[k]); });
          say(data.message || lines.join(" "), "danger");
          window.scrollTo(0, 0);
        });
      }, queueIt);
  });

  restoreDraft();
  checkBackdate();
  // The outbox shows what became of queued cards; this form's "kept on this phone" notice is then over.
  window.addEventListener("liuke-outbox", function () {
    var waiting = window.liukeOutbox.read().some(function (i) { return i.clientKey === keyInput.value; });
    if (!waiting && banner.dataset.queued) { banner.className = "d-none"; delete banner.dataset.queued; }
  });
})();
