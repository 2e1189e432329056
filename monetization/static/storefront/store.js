/* Storefront behaviour: one shared audio element for every preview player, waveform drawing, and the
   order-confirmation page's wait for Stripe. Plain JS, no dependencies; pages work without it (links
   and forms are real), the script only adds listening and live updates. */
(function () {
  "use strict";
  var audio = new Audio();
  audio.preload = "none";
  var active = null; // {el, kind: "player"|"mini", setPlaying(bool), update()}

  function fmt(seconds) {
    if (!isFinite(seconds) || seconds < 0) { seconds = 0; }
    var m = Math.floor(seconds / 60), s = Math.floor(seconds % 60);
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function stopActive() {
    if (active) { active.setPlaying(false); }
    audio.pause();
    active = null;
  }

  function start(controller, src) {
    if (active && active !== controller) { stopActive(); }
    if (audio.getAttribute("src") !== src) { audio.src = src; }
    active = controller;
    // Other parts of the site (the listeners' play log) hear of each preview start without touching this file.
    document.dispatchEvent(new CustomEvent("storefront:play", { detail: { element: controller.el, src: src } }));
    var played = audio.play();
    controller.setPlaying(true);
    if (played && played.catch) {
      played.catch(function (err) {
        if (err && err.name === "AbortError") { return; }
        controller.setPlaying(false);
        controller.fail && controller.fail();
      });
    }
  }

  audio.addEventListener("timeupdate", function () { if (active && active.update) { active.update(); } });
  audio.addEventListener("ended", function () { if (active) { active.setPlaying(false); active.update && active.update(); } active = null; });
  audio.addEventListener("error", function () { if (active) { active.setPlaying(false); active.fail && active.fail(); } active = null; });

  // --- Waveforms: peaks JSON (a list, {"peaks": [...]}, or audiowaveform's {"data": [min, max, ...]}) ---
  function normalisePeaks(json) {
    var values = Array.isArray(json) ? json : (json.peaks || json.data || []);
    if (!Array.isArray(values)) { return []; }
    if (json && json.data && !json.peaks) { // audiowaveform: interleaved min/max pairs
      var pairs = [];
      for (var i = 0; i + 1 < values.length; i += 2) { pairs.push(Math.max(Math.abs(values[i]), Math.abs(values[i + 1]))); }
      values = pairs;
    }
    var max = 0;
    values.forEach(function (v) { max = Math.max(max, Math.abs(+v || 0)); });
    return max > 0 ? values.map(function (v) { return Math.abs(+v || 0) / max; }) : [];
  }

  function draw(canvas, peaks, progress) {
    var ratio = window.devicePixelRatio || 1;
    var w = canvas.clientWidth, h = canvas.clientHeight;
    if (!w || !h) { return; }
    canvas.width = w * ratio; canvas.height = h * ratio;
    var ctx = canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    var styles = getComputedStyle(document.documentElement);
    var played = styles.getPropertyValue("--accent").trim() || "#6b3fa0";
    var rest = styles.getPropertyValue("--line").trim() || "#ddd4c8";
    if (!peaks.length) { // no peaks: a plain progress bar
      ctx.fillStyle = rest; ctx.fillRect(0, h / 2 - 2, w, 4);
      ctx.fillStyle = played; ctx.fillRect(0, h / 2 - 2, w * progress, 4);
      return;
    }
    var bars = Math.max(1, Math.floor(w / 3));
    for (var b = 0; b < bars; b++) {
      var from = Math.floor(b * peaks.length / bars), to = Math.max(from + 1, Math.floor((b + 1) * peaks.length / bars));
      var v = 0;
      for (var i = from; i < to && i < peaks.length; i++) { v = Math.max(v, peaks[i]); }
      var bh = Math.max(2, v * h);
      ctx.fillStyle = (b / bars) < progress ? played : rest;
      ctx.fillRect(b * 3, (h - bh) / 2, 2, bh);
    }
  }

  function setupPlayer(el) {
    var button = el.querySelector(".player-toggle");
    var label = button.querySelector(".label");
    var icon = button.querySelector(".icon");
    var seek = el.querySelector(".player-seek");
    var time = el.querySelector(".player-time");
    var canvas = el.querySelector(".wave-canvas");
    var src = el.getAttribute("data-src");
    var peaks = [];
    // The button's name says what it does next ("Play preview" / "Pause preview"); no aria-pressed on top,
    // which would make screen readers announce "Pause, pressed".
    var idleLabel = label ? label.textContent : "Play";
    var idleName = button.getAttribute("aria-label") || idleLabel;
    var controller = {
      el: el,
      setPlaying: function (on) {
        button.classList.toggle("is-playing", on);
        button.setAttribute("aria-label", on ? idleName.replace(/^Play/, "Pause") : idleName);
        if (label) { label.textContent = on ? idleLabel.replace(/^Play/, "Pause") : idleLabel; }
        if (icon) { icon.textContent = on ? "❚❚" : "▶"; }
      },
      update: function () {
        var progress = audio.duration ? audio.currentTime / audio.duration : 0;
        if (seek) { seek.value = Math.round(progress * 1000); seek.setAttribute("aria-valuetext", fmt(audio.currentTime) + " of " + fmt(audio.duration)); }
        if (time) { time.textContent = fmt(audio.currentTime); }
        if (canvas) { draw(canvas, peaks, progress); }
      },
      fail: function () { if (time) { time.textContent = "unavailable"; } }
    };
    button.addEventListener("click", function () {
      if (active === controller && !audio.paused) { audio.pause(); controller.setPlaying(false); }
      else { start(controller, src); }
    });
    if (seek) {
      // Arrow keys move 5 seconds (the slider's own step, 1/1000 of the preview, is too small to hear).
      seek.addEventListener("keydown", function (event) {
        var delta = { ArrowRight: 5, ArrowUp: 5, ArrowLeft: -5, ArrowDown: -5 }[event.key];
        if (!delta || active !== controller || !audio.duration) { return; }
        event.preventDefault();
        audio.currentTime = Math.min(Math.max(audio.currentTime + delta, 0), audio.duration);
        controller.update();
      });
      seek.addEventListener("input", function () {
        if (active !== controller) { start(controller, src); }
        var jump = function () { if (audio.duration) { audio.currentTime = seek.value / 1000 * audio.duration; } };
        if (audio.readyState >= 1) { jump(); } else { audio.addEventListener("loadedmetadata", jump, { once: true }); }
      });
    }
    if (canvas) {
      draw(canvas, peaks, 0);
      window.addEventListener("resize", function () { draw(canvas, peaks, active === controller && audio.duration ? audio.currentTime / audio.duration : 0); });
      var peaksUrl = el.getAttribute("data-peaks");
      if (peaksUrl && window.fetch) {
        fetch(peaksUrl).then(function (r) { return r.ok ? r.json() : []; }).then(function (json) {
          peaks = normalisePeaks(json);
          var image = el.querySelector(".wave-image");
          if (peaks.length && image) { image.hidden = true; } // the canvas shows the same shape, with progress
          draw(canvas, peaks, 0);
        }).catch(function () { /* keep the plain bar */ });
      }
    }
  }

  function setupMini(button) {
    var src = button.getAttribute("data-preview-src");
    var idle = button.getAttribute("aria-label");
    var controller = {
      el: button,
      setPlaying: function (on) {
        button.classList.toggle("is-playing", on);
        button.setAttribute("aria-label", on ? idle.replace(/^Play/, "Pause") : idle);
        button.firstElementChild.textContent = on ? "❚❚" : "▶";
      }
    };
    button.addEventListener("click", function () {
      if (active === controller && !audio.paused) { audio.pause(); controller.setPlaying(false); }
      else { start(controller, src); }
    });
  }

  // --- Order confirmation: wait for Stripe's webhook, then show the downloads ---
  function setupPoll(el) {
    var url = el.getAttribute("data-poll-status");
    var message = el.querySelector("[data-poll-message]");
    var tries = 0;
    function tick() {
      tries += 1;
      fetch(url, { headers: { "Accept": "application/json" }, cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.paid || (data.status && data.status !== "pending")) { window.location.reload(); return; }
          if (tries < 60) { setTimeout(tick, 3000); }
          else if (message) { message.textContent = "This is taking longer than usual. You will receive an e-mail as soon as the payment is confirmed; you can close this page."; }
        })
        .catch(function () { if (tries < 60) { setTimeout(tick, 5000); } });
    }
    if (window.fetch) { setTimeout(tick, 2000); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-player]").forEach(setupPlayer);
    document.querySelectorAll("[data-preview-src]").forEach(setupMini);
    document.querySelectorAll("[data-poll-status]").forEach(setupPoll);
    if (window.matchMedia && window.matchMedia("(min-width: 800px)").matches) {
      document.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
    }
    window.storefrontAudio = audio; // lets people (and browser tests) inspect what is playing
  });
})();
