/* Corsia kiosk: the inactivity timer, scans arriving by server-sent events, and a few kiosk habits.
   Plain JavaScript, no library. Everything personal is on the server; this script only decides when to ask
   "are you still there?" and when to post the reset. */
(function () {
  "use strict";

  var body = document.body;
  var idleMs = Number(body.dataset.idleTimeout) * 1000;
  var warningS = Number(body.dataset.idleWarning);
  var csrf = body.dataset.csrf;
  var dialog = document.getElementById("idle");
  var count = document.getElementById("idle-count");
  var resetForm = document.getElementById("reset-form");
  var idleTimer = null;
  var tickTimer = null;
  var left = 0;
  var lastPing = Date.now();
  var PING_EVERY_MS = 15000;

  // The server forgets a session some time after the page should have reset it; while the customer is busy
  // on one screen (typing makes no request), tell it now and then that they are still here.
  function ping() {
    if (Date.now() - lastPing < PING_EVERY_MS) { return; }
    lastPing = Date.now();
    fetch(body.dataset.alive, { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" })
      .catch(function () { /* the server will expire the session; the page resets itself anyway */ });
  }

  function arm() {
    window.clearTimeout(idleTimer);
    idleTimer = window.setTimeout(warn, idleMs);
  }

  function activity() {
    if (dialog.open) { return; }
    arm();
    ping();
  }

  function warn() {
    left = warningS;
    count.textContent = String(left);
    dialog.showModal();
    document.getElementById("idle-continue").focus();
    tickTimer = window.setInterval(tick, 1000);
  }

  function tick() {
    left -= 1;
    count.textContent = String(Math.max(left, 0));
    if (left <= 0) {
      window.clearInterval(tickTimer);
      reset();
    }
  }

  function reset() {
    // Clear the screen at once, before the server answers: nobody walking up sees the last customer's data.
    var main = document.getElementById("main");
    if (main) { main.replaceChildren(); }
    resetForm.submit();
  }

  function resume() {
    window.clearInterval(tickTimer);
    if (dialog.open) { dialog.close(); }
    lastPing = 0;
    ping();
    arm();
  }

  document.getElementById("idle-continue").addEventListener("click", resume);
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();  // Escape means "I'm here", like the button
    resume();
  });
  ["pointerdown", "keydown", "input", "wheel", "touchstart"].forEach(function (name) {
    document.addEventListener(name, activity, { passive: true, capture: true });
  });

  // Scans: the server routes each card swipe or camera code to this session and sends its id; the screen's
  // own scan form (if it takes scans) posts the id back.
  if (window.EventSource) {
    var events = new EventSource(body.dataset.events);
    events.addEventListener("scan", function (event) {
      var form = document.getElementById("scan-form");
      var data = JSON.parse(event.data);
      if (dialog.open) { resume(); } else { activity(); }
      if (form && data && typeof data.id === "string") {
        form.elements.scan.value = data.id;
        events.close();
        form.submit();
      }
    });
    window.addEventListener("pagehide", function () { events.close(); });
  }

  // No way out of the kiosk: no context menu, no dragging links or pictures elsewhere.
  document.addEventListener("contextmenu", function (event) { event.preventDefault(); });
  document.addEventListener("dragstart", function (event) { event.preventDefault(); });

  arm();
}());
