/* Listeners: report preview plays (for recommendations and A/B counts), cart adds and finished checkouts
   (A/B counts), and the mix page's click-to-seek tracklist. Pages work without it. */
(function () {
  "use strict";
  // The CSRF token from its cookie, or from a form on the page. Never from markup of our own: stored pages are
  // shared between visitors (lofi_site/pagecache.py), and only form tokens are swapped per visitor there.
  function csrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }
  function post(url, fields) {
    if (!window.fetch) { return Promise.resolve(null); }
    var body = new URLSearchParams(fields);
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin", keepalive: true,
      headers: { "X-CSRFToken": csrf(), "Content-Type": "application/x-www-form-urlencoded" }
    }).catch(function () { return null; });
  }
  function trackOf(el) {
    var holder = el && el.closest ? el.closest("[data-track]") : null;
    return holder ? holder.getAttribute("data-track") : "";
  }
  window.listenerEvents = { plays: 0 }; // lets browser tests see that a play was reported

  document.addEventListener("storefront:play", function (event) {
    var track = trackOf(event.detail && event.detail.element);
    if (!track) { return; }
    post("/listen/play/", { track: track }).then(function () { window.listenerEvents.plays += 1; });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.action || form.action.indexOf("/cart/add/") === -1) { return; }
    var track = form.querySelector('input[name="track"]');
    if (track && track.value) { post("/listen/event/", { kind: "cart_add", track: track.value }); }
  }, true);

  function setupMix(player) {
    var audio = player.querySelector("audio");
    var now = player.querySelector("[data-mix-now]");
    var rows = Array.prototype.slice.call(document.querySelectorAll(".mix-tracklist li[data-start]"));
    document.querySelectorAll("[data-seek]").forEach(function (button) {
      button.addEventListener("click", function () {
        var to = parseFloat(button.getAttribute("data-seek")) || 0;
        var jump = function () { audio.currentTime = to; audio.play().catch(function () {}); };
        // Seeking needs the stream served with Range requests (storage, web server or media_serve do).
        if (audio.readyState >= 1) { jump(); } else { audio.addEventListener("loadedmetadata", jump, { once: true }); audio.load(); }
      });
    });
    audio.addEventListener("timeupdate", function () {
      var current = null;
      rows.forEach(function (row) {
        if (parseFloat(row.getAttribute("data-start")) <= audio.currentTime + 0.05) { current = row; }
        row.classList.remove("is-current");
      });
      if (current) {
        current.classList.add("is-current");
        if (now) { now.textContent = "Now playing: " + current.querySelector(".mix-track-title").textContent; }
      }
    });
    window.mixAudio = audio;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-mix-player]").forEach(setupMix);
    if (document.querySelector("[data-listeners-purchase-check]")) { post("/listen/event/", { kind: "purchase_check" }); }
  });
})();
