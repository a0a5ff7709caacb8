/* NexusOne live updates: one EventSource per page (GET /api/v1/events/stream),
   the bell's unread count, and progress bars that move as jobs report.

   Pages opt in with markup only:
   - an element with data-progress-job="crm.import" data-progress-id="42"
     receives a `live-progress` DOM event for each matching `progress` event
     (htmx: hx-trigger="live-progress throttle:250ms, every 2s [!window.nexusoneLive]"
     re-fetches the server-rendered fragment on each event, and polls only
     while the stream is down);
   - an element with data-live-reload-on="notification" reloads the page when
     a notification arrives.
   While the stream is connected window.nexusoneLive is true; when it drops,
   pages fall back to their polling, and the stream reconnects by itself. */
(function () {
  "use strict";
  var bell = document.querySelector("[data-live-stream]");
  window.nexusoneLive = false;
  if (!bell || !window.EventSource) { return; }

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent("nexusone:" + name, { detail: detail }));
  }

  function setUnread(count) {
    var badge = bell.querySelector("[data-bell-count]");
    if (!badge || typeof count !== "number") { return; }
    badge.textContent = String(count);
    badge.hidden = count <= 0;
  }

  function onProgress(data) {
    var selector = '[data-progress-job="' + CSS.escape(String(data.job)) + '"][data-progress-id="' + CSS.escape(String(data.id)) + '"]';
    document.querySelectorAll(selector).forEach(function (element) {
      element.querySelectorAll("progress").forEach(function (bar) { bar.value = data.percent; });
      element.querySelectorAll("[role=progressbar]").forEach(function (bar) {
        bar.setAttribute("aria-valuenow", data.percent);
        var fill = bar.firstElementChild;
        if (fill) { fill.style.inlineSize = data.percent + "%"; }
      });
      element.dispatchEvent(new CustomEvent("live-progress", { detail: data }));
    });
  }

  var source = null;
  var retryDelay = 3000;

  function connect() {
    source = new EventSource(bell.getAttribute("data-live-stream"), { withCredentials: true });
    source.addEventListener("ready", function () {
      window.nexusoneLive = true;
      retryDelay = 3000;
      emit("live-ready", {});
    });
    source.addEventListener("notification", function (event) {
      var data = JSON.parse(event.data);
      setUnread(data.unread);
      emit("notification", data);
      if (document.querySelector('[data-live-reload-on="notification"]')) { window.location.reload(); }
    });
    source.addEventListener("progress", function (event) {
      var data = JSON.parse(event.data);
      onProgress(data);
      emit("progress", data);
    });
    source.addEventListener("inbox.message", function (event) { emit("inbox-message", JSON.parse(event.data)); });
    source.addEventListener("resync", function () { emit("resync", {}); });
    source.onerror = function () {
      // The browser retries by itself while readyState is CONNECTING; pages poll meanwhile.
      window.nexusoneLive = false;
      if (source.readyState === EventSource.CLOSED) {
        source = null;
        window.setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 60000);
      }
    };
  }

  connect();
  window.addEventListener("pagehide", function () { if (source) { source.close(); } });
})();
