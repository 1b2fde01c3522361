/* liuke's outbox: record cards written while the phone had no connection wait in localStorage and
   are sent, in order, as soon as the connection returns (on any liuke page). The server knows each
   card by its client key, so a card sent twice is still one card.

   Only the server's JSON answer (views._wants_json) decides what became of a card: "submitted" or
   "draft" (accepted as asked), "kept_as_draft" (refused, its text kept as a draft to fix) or "refused"
   (nothing saved; the form restores the text kept on the phone). A refused card is shown with the
   server's reason and a link until the rep opens it or dismisses it. No answer, or an answer that is
   not the server's JSON (a login page, a server error), means not delivered: the card stays queued. */
(function () {
  "use strict";
  var KEY = "liuke-outbox";
  var REFUSED = "liuke-outbox-refused";
  var ACCEPTED = { submitted: true, draft: true };
  var KEPT_APART = { kept_as_draft: true, refused: true };

  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function store(key, items) { localStorage.setItem(key, JSON.stringify(items)); }
  function read() { return load(KEY); }
  function write(items) { store(KEY, items); }
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
  function post(item) {
    return fetch(item.url, {
      method: "POST", body: body(item.fields, item.action), credentials: "same-origin",
      headers: { "X-Requested-With": "liuke-outbox", "X-CSRFToken": csrf() }
    });
  }
  // The server's answer, or null when the card did not reach the card views (not delivered).
  function answer(r) {
    var type = r.headers.get("Content-Type") || "";
    if (r.redirected || type.indexOf("application/json") < 0) return Promise.resolve(null);
    return r.json().then(function (data) {
      return data && (ACCEPTED[data.outcome] || KEPT_APART[data.outcome]) ? data : null;
    }, function () { return null; });
  }
  function forget(item) {
    write(read().filter(function (i) { return i.id !== item.id; }));
  }
  function refuse(item, data) {
    var notes = load(REFUSED).filter(function (n) { return n.key !== item.clientKey; });
    notes.push({ key: item.clientKey, message: data.message, link: data.link, url: data.url || item.url });
    store(REFUSED, notes);
  }

  var flushing = false;
  var sentMessages = [];
  function flush() {
    if (flushing || !navigator.onLine) return Promise.resolve(0);
    var items = read();
    if (!items.length) return Promise.resolve(0);
    flushing = true;
    var sent = 0, refused = 0;
    var chain = Promise.resolve();
    items.forEach(function (item) {
      chain = chain.then(function () {
        return post(item).then(answer).then(function (data) {
          if (!data) return;  // not delivered: stays queued
          forget(item);
          if (ACCEPTED[data.outcome]) {
            if (data.outcome === "submitted") sent += 1;
            sentMessages.push(data.message);
            if (item.draftKey) localStorage.removeItem(item.draftKey);
            return;
          }
          refused += 1;
          refuse(item, data);
          // Kept as a draft on the server: that draft is the copy to fix. Refused outright: the
          // phone's copy is all there is, and the card form restores it.
          if (data.outcome === "kept_as_draft" && item.draftKey) localStorage.removeItem(item.draftKey);
        });
      });
    });
    return chain.catch(function () { /* still offline: try again later */ }).then(function () {
      flushing = false;
      show();
      window.dispatchEvent(new CustomEvent("liuke-outbox", {
        detail: { sent: sent, refused: refused, waiting: read().length }
      }));
      return sent;
    });
  }

  function queue(item) {
    item.id = item.id || String(Date.now()) + Math.random().toString(16).slice(2);
    var items = read().filter(function (i) { return i.clientKey !== item.clientKey; });
    items.push(item);
    write(items);
  }

  // --- what became of the cards, shown at the top of any liuke page --------------------------------
  function notice(kind, testid, text) {
    var div = document.createElement("div");
    div.className = "alert alert-" + kind + " alert-dismissible py-2 small";
    div.setAttribute("role", "status");
    div.dataset.testid = testid;
    var span = document.createElement("span");
    span.textContent = text;
    div.appendChild(span);
    return div;
  }
  function closer(onClose) {
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "btn-close";
    btn.setAttribute("aria-label", "×");
    btn.addEventListener("click", onClose);
    return btn;
  }
  function here(url) {
    var a = document.createElement("a");
    a.href = url;
    return a.pathname + a.search === location.pathname + location.search;
  }
  function show() {
    var main = document.querySelector("main");
    if (!main) return;
    var box = document.getElementById("outbox-notices");
    if (!box) {
      box = document.createElement("div");
      box.id = "outbox-notices";
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = "";
    // Opening the card a notice points to is what the notice asked for.
    var notes = load(REFUSED).filter(function (n) { return !here(n.url); });
    store(REFUSED, notes);
    notes.forEach(function (n) {
      var div = notice("danger", "outbox-refused", n.message + " ");
      var link = document.createElement("a");
      link.href = n.url;
      link.className = "alert-link";
      link.textContent = n.link;
      div.appendChild(link);
      div.appendChild(closer(function () {
        store(REFUSED, load(REFUSED).filter(function (m) { return m.key !== n.key; }));
        show();
      }));
      box.appendChild(div);
    });
    if (sentMessages.length) {
      var done = notice("success", "outbox-sent", sentMessages.join(" "));
      done.appendChild(closer(function () { sentMessages = []; show(); }));
      box.appendChild(done);
    }
  }

  window.liukeOutbox = { queue: queue, flush: flush, read: read };
  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", function () {
    var waiting = read().length;
    var badge = document.getElementById("outbox-count");
    if (badge && waiting) { badge.textContent = waiting; badge.classList.remove("d-none"); }
    show();
    flush();
  });
  window.addEventListener("liuke-outbox", function (e) {
    var badge = document.getElementById("outbox-count");
    if (!badge) return;
    badge.textContent = e.detail.waiting;
    badge.classList.toggle("d-none", !e.detail.waiting);
  });
})();
