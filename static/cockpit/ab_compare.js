// A/B comparison on the cockpit's Track page: two players share one position; switching hands playback to the
// other at the same moment. Each player's volume was set by the server to match the two tracks' loudness.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  function clock(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  ready(function () {
    var transport = document.querySelector("[data-ab-compare]");
    if (!transport) { return; }
    var players = {};
    document.querySelectorAll("[data-ab-player]").forEach(function (audio) {
      players[audio.dataset.abPlayer] = audio;
      audio.volume = parseFloat(audio.dataset.abVolume || "1");
    });
    var current = "A";
    var play = transport.querySelector("[data-ab-play]");
    var swap = transport.querySelector("[data-ab-switch]");
    var seek = transport.querySelector("[data-ab-seek]");
    var time = transport.querySelector("[data-ab-time]");
    function other(label) { return label === "A" ? "B" : "A"; }
    function active() { return players[current]; }
    function duration() {
      return Math.min(players.A.duration || Infinity, players.B.duration || Infinity);
    }
    play.addEventListener("click", function () {
      if (active().paused) { active().play(); play.textContent = "Pause"; }
      else { active().pause(); play.textContent = "Play"; }
    });
    swap.addEventListener("click", function () {
      var from = active(), to = players[other(current)], wasPlaying = !from.paused;
      to.currentTime = from.currentTime;
      from.pause();
      current = other(current);
      if (wasPlaying) { to.play(); }
      transport.querySelector("[data-ab-current]").textContent = current;
      transport.querySelector("[data-ab-other]").textContent = other(current);
      swap.setAttribute("aria-pressed", current === "B" ? "true" : "false");
    });
    seek.addEventListener("input", function () {
      var d = duration();
      if (isFinite(d)) { players.A.currentTime = players.B.currentTime = d * seek.value / 1000; }
    });
    Object.keys(players).forEach(function (label) {
      // Manual use of either element's own controls keeps the pair together.
      players[label].addEventListener("timeupdate", function () {
        if (label !== current) { return; }
        time.textContent = clock(players[label].currentTime);
        var d = duration();
        if (isFinite(d) && d > 0) { seek.value = Math.round(1000 * players[label].currentTime / d); }
      });
      players[label].addEventListener("play", function () {
        if (label !== current) { players[label].pause(); players[current].currentTime = players[label].currentTime; return; }
        players[other(label)].pause();
      });
    });
  });
})();
