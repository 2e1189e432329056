// Refreshes each station's "now playing" from GET /api/v1/radio/<slug>/now/ every 10 s.
(function () {
  "use strict";
  function refresh(section) {
    fetch(section.dataset.nowUrl, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var track = data.track;
        section.querySelector("[data-now-title]").textContent = track ? track.title : "Starting soon";
        section.querySelector("[data-now-artist]").textContent = track && track.artist ? "by " + track.artist : "";
        var license = section.querySelector("[data-now-license]");
        license.hidden = !data.license_url;
        if (data.license_url) license.href = data.license_url;
        var cover = section.querySelector(".radio-cover");
        cover.hidden = !data.cover_url;
        if (data.cover_url) cover.src = data.cover_url;
        section.querySelector("[data-now-listeners]").textContent =
          data.listeners === null ? "" : data.listeners + " listening";
      })
      .catch(function () { /* the next refresh tries again */ });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var sections = document.querySelectorAll("section[data-now-url]");
    sections.forEach(function (section) {
      var audio = section.querySelector("audio");
      if (audio && !window.radioAudio) window.radioAudio = audio; // lets people (and browser tests) inspect playback
    });
    setInterval(function () { sections.forEach(refresh); }, 10000);
  });
})();
