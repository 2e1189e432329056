/* Live progress in the cockpit: every element with data-live-job="<id>" (a render job's progress bar) is
   refreshed from the render progress endpoint every 2 seconds until its job finishes; the page then reloads
   once so the finished state (track link, errors) shows. Elements with data-live-reload="<seconds>" (the
   dashboard's panels) re-read the page they are on at that pace and swap themselves in. Plain JS. */
(function () {
  "use strict";
  function text(el, selector, value) {
    var target = el.querySelector(selector);
    if (target) { target.textContent = value; }
  }

  function pollJobs() {
    var bars = document.querySelectorAll("[data-live-job]");
    if (!bars.length) { return; }
    var endpoint = bars[0].getAttribute("data-live-endpoint");
    var ids = Array.prototype.map.call(bars, function (el) { return el.getAttribute("data-live-job"); });
    fetch(endpoint + "?ids=" + ids.join(","), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { setTimeout(pollJobs, 5000); return; }
        var finishedNow = false;
        data.jobs.forEach(function (job) {
          document.querySelectorAll('[data-live-job="' + job.id + '"]').forEach(function (el) {
            var fill = el.querySelector(".progress > span");
            if (fill) { fill.style.width = job.progress + "%"; }
            var bar = el.querySelector(".progress");
            if (bar) { bar.setAttribute("aria-valuenow", job.progress); }
            text(el, ".progress-value", job.progress + "%");
            text(el, ".progress-eta", job.eta);
            if (job.finished) { finishedNow = true; el.removeAttribute("data-live-job"); }
          });
        });
        if (finishedNow) { window.location.reload(); return; }
        setTimeout(pollJobs, 2000);
      })
      .catch(function () { setTimeout(pollJobs, 5000); });
  }

  // A batch's overall bar (the batch list): the mean of its jobs' progress, the longest time left.
  function pollBatches() {
    var bars = document.querySelectorAll("[data-live-batch]");
    if (!bars.length) { return; }
    var pending = bars.length, finishedNow = false;
    bars.forEach(function (el) {
      var url = el.getAttribute("data-live-endpoint") + "?batch=" + el.getAttribute("data-live-batch");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && data.jobs.length) {
            var sum = data.jobs.reduce(function (total, job) { return total + job.progress; }, 0);
            var percent = Math.round(sum / data.jobs.length);
            var fill = el.querySelector(".progress > span");
            if (fill) { fill.style.width = percent + "%"; }
            var bar = el.querySelector(".progress");
            if (bar) { bar.setAttribute("aria-valuenow", percent); bar.nextSibling && (bar.nextSibling.textContent = " " + percent + "%"); }
            var left = data.seconds_left;
            text(el, ".progress-eta", data.all_finished ? "" : (left === null ? (data.running ? "starting" : "waiting for a worker")
              : "about " + (left >= 60 ? Math.floor(left / 60) + " min " : "") + (left % 60) + " s left"));
            if (data.all_finished) { finishedNow = true; el.removeAttribute("data-live-batch"); }
          }
        })
        .catch(function () { /* tried again below */ })
        .then(function () {
          pending -= 1;
          if (pending) { return; }
          if (finishedNow) { window.location.reload(); } else { setTimeout(pollBatches, 3000); }
        });
    });
  }

  function pollRegions() {
    document.querySelectorAll("[data-live-reload]").forEach(function (region) {
      var seconds = Math.max(2, parseInt(region.getAttribute("data-live-reload"), 10) || 10);
      setInterval(function () {
        fetch(window.location.href, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) {
            if (!html || !region.id) { return; }
            var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(region.id);
            if (fresh) { region.innerHTML = fresh.innerHTML; }
          })
          .catch(function () { /* the next round tries again */ });
      }, seconds * 1000);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { pollJobs(); pollBatches(); pollRegions(); });
})();
