/* liuke's outbox: record cards written while the phone had no connection wait in localStorage and
   are sent, in order, as soon as the connection returns (on any liuke page). The server knows each
   card by its client key, so a card sent twice is still one card. */
(function () {
  "use strict";
  var KEY = "liuke-outbox";

  function read() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function write(items) { localStorage.setItem(KEY, JSON.stringify(items)); }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function body(fields, action) {
    var fd = new FormData();
    fields.forEach(function (pair) { if (pair[0] !== "action") fd.append(pair[0], pair[1]); });
    fd.append("action", action);
    return fd;
  }
  function post(item, action) {
    return fetch(item.url, {
      method: "POST", body: body(item.fields, action), credentials: "same-origin",
      headers: { "X-Requested-With": "liuke-outbox", "X-CSRFToken": csrf() }
    });
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine) return Promise.resolve(0);
    var items = read();
    if (!items.length) return Promise.resolve(0);
    flushing = true;
    var sent = 0;
    var chain = Promise.resolve();
    items.forEach(function (item) {
      chain = chain.then(function () {
        return post(item, item.action).then(function (r) {
          if (r.status === 400 && item.action === "submit") return post(item, "draft"); // keep the text as a draft
          return r;
        }).then(function (r) {
          if (r.ok) {
            sent += 1;
            write(read().filter(function (i) { return i.id !== item.id; }));
            if (item.draftKey) localStorage.removeItem(item.draftKey);
          }
        });
      });
    });
    return chain.catch(function () { /* still offline: try again later */ }).then(function () {
      flushing = false;
      window.dispatchEvent(new CustomEvent("liuke-outbox", { detail: { sent: sent, waiting: read().length } }));
      return sent;
    });
  }

  function queue(item) {
    item.id = item.id || String(Date.now()) + Math.random().toString(16).slice(2);
    var items = read().filter(function (i) { return i.clientKey !== item.clientKey; });
    items.push(item);
    write(items);
  }

  window.liukeOutbox = { queue: queue, flush: flush, read: read };
  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", function () {
    var waiting = read().length;
    var badge = document.getElementById("outbox-count");
    if (badge && waiting) { badge.textContent = waiting; badge.classList.remove("d-none"); }
    flush();
  });
  window.addEventListener("liuke-outbox", function (e) {
    var badge = document.getElementById("outbox-count");
    if (!badge) return;
    badge.textContent = e.detail.waiting;
    badge.classList.toggle("d-none", !e.detail.waiting);
  });
})();
