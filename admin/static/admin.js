/* くらしの相談LINE — staff page behaviour (vanilla JS, no external code).
 * - the queue refreshes itself and raises a visible + audible alert for a new emergency
 * - canned replies fill the reply box
 * - buttons with data-confirm ask before submitting
 */
(function () {
  "use strict";

  var audio = null;
  var muted = false;
  var titleTimer = null;
  var baseTitle = document.title;

  function beep() {
    if (muted) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      [0, 0.35, 0.7].forEach(function (offset) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = "square";
        osc.frequency.value = 880;
        gain.gain.value = 0.15;
        osc.connect(gain);
        gain.connect(audio.destination);
        osc.start(audio.currentTime + offset);
        osc.stop(audio.currentTime + offset + 0.2);
      });
      document.body.setAttribute("data-alert-sound", String(Date.now()));
    } catch (e) { /* no audio device: the visible alert still shows */ }
  }

  function flashTitle(on) {
    if (titleTimer) { clearInterval(titleTimer); titleTimer = null; }
    document.title = baseTitle;
    if (!on) return;
    var flip = false;
    titleTimer = setInterval(function () {
      flip = !flip;
      document.title = flip ? "【緊急】新しい緊急の相談" : baseTitle;
    }, 1000);
  }

  function ids(text) {
    return (text || "").split(",").filter(function (x) { return x; });
  }

  function setupQueue() {
    var queue = document.getElementById("queue");
    if (!queue) return;
    var banner = document.getElementById("emergency-alert");
    var interval = parseInt(queue.getAttribute("data-refresh-ms"), 10) || 10000;
    var url = queue.getAttribute("data-fragment-url");
    var seenKey = "yorisoi.seenEmergencies";
    var seen;
    try { seen = JSON.parse(sessionStorage.getItem(seenKey) || "[]"); } catch (e) { seen = []; }

    function update(current) {
      var fresh = current.filter(function (id) { return seen.indexOf(id) < 0; });
      if (banner) banner.hidden = current.length === 0;
      if (fresh.length) {
        document.body.classList.add("has-new-emergency");
        document.body.setAttribute("data-new-emergency", fresh.join(","));
        beep();
        flashTitle(true);
      }
      if (!current.length) {
        document.body.classList.remove("has-new-emergency");
        flashTitle(false);
      }
      seen = seen.concat(fresh);
      try { sessionStorage.setItem(seenKey, JSON.stringify(seen)); } catch (e) { /* private mode */ }
    }

    var head = queue.querySelector(".queue-head");
    update(ids(head && head.getAttribute("data-emergencies")));

    function refresh() {
      // X-Background: an automatic refresh is not activity (the idle timeout still runs)
      fetch(url, { credentials: "same-origin",
                   headers: { "Accept": "text/html", "X-Background": "1" } })
        .then(function (response) {
          if (response.status === 401) { window.location.reload(); return null; }
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          if (html === null || html === undefined) return;
          queue.innerHTML = html;
          var fresh = queue.querySelector(".queue-head");
          update(ids(fresh && fresh.getAttribute("data-emergencies")));
          document.body.setAttribute("data-refreshed", String(Date.now()));
        })
        .catch(function () { /* offline for a moment: try again next tick */ });
    }
    setInterval(refresh, interval);
    // live.js: the server says the queue changed (server-sent events)
    document.addEventListener("yorisoi:queue-changed", refresh);

    var dismiss = document.getElementById("alert-dismiss");
    if (dismiss) dismiss.addEventListener("click", function () {
      muted = true;
      flashTitle(false);
    });
  }

  function setupCanned() {
    var select = document.getElementById("canned-select");
    if (!select) return;
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var text = option && option.getAttribute("data-text");
      var box = document.querySelector("#reply-form textarea[name=text]");
      if (text && box) { box.value = text; box.focus(); }
    });
  }

  function setupConfirm() {
    document.addEventListener("submit", function (event) {
      var button = event.submitter || event.target.querySelector("[data-confirm]");
      var message = button && button.getAttribute && button.getAttribute("data-confirm");
      if (message && !window.confirm(message)) event.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupQueue();
    setupCanned();
    setupConfirm();
  });
})();
