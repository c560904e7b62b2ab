/* Corsia store dashboard: draws the hub's data and follows its server-sent events (/dashboard/events).
   Plain script, no build step, nothing from outside the hub. The page's data block carries both languages'
   texts, so switching language and rendering live items need no round trip. */
(function () {
  "use strict";

  var FEED_MAX = 60;
  var RETRY_CLOSED_MS = 10000; // after the server refused the stream (busy, or restarting)

  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var lang = data.lang;
  var boot = null;
  var lastId = 0;
  var feed = []; // newest first: {key, kind, t, data}
  var snapshot = { occupancy: { zones: {}, total: 0 }, gateways: {}, stats: null };
  var connection = "connecting";
  var source = null;

  function $(id) { return document.getElementById(id); }

  function text(key, values) {
    var s = (data.texts[lang] && data.texts[lang][key]) || data.texts.it[key] || key;
    return s.replace(/\{(\w+)\}/g, function (_, name) {
      return values && values[name] !== undefined && values[name] !== null ? String(values[name]) : "";
    });
  }

  function locale() { return lang === "it" ? "it-IT" : "en-GB"; }

  function number(n) { return new Intl.NumberFormat(locale()).format(n); }

  function percent(part, whole) {
    if (!whole) { return "–"; }
    return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(part / whole);
  }

  function clockTime(t) {
    return new Intl.DateTimeFormat(locale(), {
      hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: data.timezone
    }).format(new Date(t * 1000));
  }

  function duration(seconds) {
    var s = Math.round(seconds);
    if (s < 60) { return s + " s"; }
    var m = Math.floor(s / 60);
    if (m < 60) { return m + " min " + String(s % 60).padStart(2, "0") + " s"; }
    return Math.floor(m / 60) + " h " + String(m % 60).padStart(2, "0") + " min";
  }

  function zoneLabel(id) {
    var labels = data.labels[id];
    return labels ? labels[lang] || labels.it : id || "";
  }

  function who(ref) {
    // The member's pseudonymous ref, shortened for reading: it names no one either way.
    var short = ref ? String(ref).slice(0, 8) : "—";
    return text("who", { ref: short });
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  /* --- the map ------------------------------------------------------------------------------------------ */

  function heat(level) {
    // From the floor's pale blue to the brand blue: more people, deeper colour.
    var from = [238, 243, 251], to = [11, 61, 145];
    var c = from.map(function (v, i) { return Math.round(v + (to[i] - v) * level); });
    return "rgb(" + c.join(",") + ")";
  }

  function drawOccupancy() {
    var zones = snapshot.occupancy.zones || {};
    var peak = 3;
    Object.keys(zones).forEach(function (z) { peak = Math.max(peak, zones[z]); });
    document.querySelectorAll("#map .zone").forEach(function (g) {
      var count = zones[g.dataset.zone] || 0;
      var level = count ? 0.25 + 0.75 * (count / peak) : 0;
      g.querySelector(".zone-area").style.fill = heat(level);
      g.classList.toggle("busy", count > 0);
      g.classList.toggle("deep", level > 0.55);
      g.querySelector(".count").textContent = number(count);
    });
    $("kpi-in-store").textContent = number(snapshot.occupancy.total || 0);
  }

  function drawGateways() {
    document.querySelectorAll("#map .gateway").forEach(function (dot) {
      var state = snapshot.gateways[dot.dataset.gateway] || "online";
      dot.dataset.state = state;
      dot.querySelector("title").textContent = text(state === "offline" ? "gateway_offline" : "gateway_online",
        { gw: dot.dataset.gateway });
    });
  }

  function drawLabels() {
    document.querySelectorAll("#map .zone").forEach(function (g) {
      var label = zoneLabel(g.dataset.zone);
      var node = g.querySelector(".zone-label");
      node.textContent = label;
      node.removeAttribute("textLength");
      node.removeAttribute("lengthAdjust");
      var room = parseFloat(node.dataset.room);
      // A label longer than its zone is squeezed to fit rather than spilling over the next aisle.
      if (room > 0 && node.getComputedTextLength() > room) {
        node.setAttribute("textLength", String(room));
        node.setAttribute("lengthAdjust", "spacingAndGlyphs");
      }
      g.querySelector("title").textContent = label;
    });
  }

  /* --- the live feed ------------------------------------------------------------------------------------ */

  function campaignName(id) {
    var found = (snapshot.stats && snapshot.stats.campaigns || []).filter(function (c) { return c.id === id; })[0];
    return found ? found.name : id || "—";
  }

  function describe(item) {
    var d = item.data;
    if (item.kind === "journey") {
      var values = { who: who(d.member), zone: zoneLabel(d.zone), dur: d.dwell_s ? duration(d.dwell_s) : "" };
      // A shopper back within the hub's rejoin_s continues their visit: "came back", not a second entry.
      var tag = d.event === "enter" && d.again ? "return" : d.event;
      // A line whose last value is missing (a dwell's length, a purchase's zone) ends before it.
      return { tag: tag, text: text("ev_" + tag, values).replace(/ · $/, "") };
    }
    if (item.kind === "notification") {
      var key = d.channel === "staff" ? "notif_staff" : d.state === "sent" ? "notif_sent" : "notif_decided";
      var line = text(key, { campaign: campaignName(d.campaign) });
      if (d.member) { line += " · " + who(d.member); }
      return { tag: d.channel === "staff" ? "staff" : d.state, text: line };
    }
    var what = text("alert_" + d.kind);
    return {
      tag: d.active ? "alert" : "cleared",
      text: d.active ? text("alert_on", { source: d.source, what: what }) : text("alert_off", { source: d.source })
    };
  }

  function feedRow(item) {
    var shown = describe(item);
    var li = el("li", "ev ev-" + item.kind + " ev-" + shown.tag);
    li.appendChild(el("time", "ev-time", clockTime(item.t)));
    li.appendChild(el("span", "ev-dot"));
    li.appendChild(el("span", "ev-text", shown.text));
    li.dataset.key = item.key;
    return li;
  }

  function drawFeed() {
    var list = $("feed");
    list.replaceChildren.apply(list, feed.map(feedRow));
    $("feed-empty").hidden = feed.length > 0;
  }

  function addItem(kind, payload, id) {
    var item = { kind: kind, t: payload.t, data: payload, key: kind + ":" + id };
    if (kind === "notification" && payload.state === "sent") {
      // The push decided a moment ago has gone: update its line rather than adding a second one.
      var decided = feed.filter(function (f) {
        return f.kind === "notification" && f.data.state === "decided" && f.data.visit === payload.visit &&
          f.data.campaign === payload.campaign;
      })[0];
      if (decided) {
        decided.data = Object.assign({}, decided.data, { state: "sent" });
        var row = $("feed").querySelector('[data-key="' + decided.key + '"]');
        if (row) { row.replaceWith(feedRow(decided)); }
        return;
      }
    }
    feed.unshift(item);
    $("feed").prepend(feedRow(item));
    while (feed.length > FEED_MAX) {
      feed.pop();
      $("feed").lastElementChild.remove();
    }
    $("feed-empty").hidden = true;
  }

  /* --- today's numbers ---------------------------------------------------------------------------------- */

  function bar(label, value, fraction, note) {
    var row = el("div", "bar-row");
    var head = el("div", "bar-head");
    head.appendChild(el("span", "bar-label", label));
    head.appendChild(el("span", "bar-value", value));
    row.appendChild(head);
    var track = el("div", "bar-track");
    var fill = el("div", "bar-fill");
    fill.style.width = Math.max(0, Math.min(1, fraction)) * 100 + "%";
    track.appendChild(fill);
    row.appendChild(track);
    if (note) { row.appendChild(el("p", "bar-note", note)); }
    return row;
  }

  function drawStats() {
    var stats = snapshot.stats;
    if (!stats || !stats.funnel) { return; }
    var f = stats.funnel;
    $("funnel").replaceChildren(
      bar(text("funnel_entered"), number(f.entered), f.entered ? 1 : 0, null),
      bar(text("funnel_engaged"), number(f.engaged), f.entered ? f.engaged / f.entered : 0, percent(f.engaged, f.entered)),
      bar(text("funnel_bought"), number(f.bought), f.entered ? f.bought / f.entered : 0, percent(f.bought, f.entered))
    );
    $("kpi-visits").textContent = number(f.entered);
    $("kpi-conversion").textContent = percent(f.bought, f.entered);

    var stays = stats.dwell.filter(function (z) { return z.stays > 0; });
    stays.sort(function (a, b) { return b.average_s - a.average_s; });
    var longest = stays.length ? stays[0].average_s : 1;
    $("dwell").replaceChildren.apply($("dwell"), stays.map(function (z) {
      var row = el("div", "dwell-row");
      row.appendChild(el("span", "bar-label", zoneLabel(z.zone)));
      var track = el("div", "bar-track");
      var fill = el("div", "bar-fill");
      fill.style.width = (z.average_s / longest) * 100 + "%";
      track.appendChild(fill);
      row.appendChild(track);
      row.appendChild(el("span", "bar-value", duration(z.average_s)));
      row.appendChild(el("span", "bar-note", z.stays === 1 ? text("dwell_stay_one") : text("dwell_stays", { n: number(z.stays) })));
      return row;
    }));
    $("dwell-empty").hidden = stays.length > 0;

    var sent = 0, opened = 0;
    var rows = stats.campaigns.map(function (c) {
      sent += c.sent;
      opened += c.opened;
      var tr = el("tr");
      var name = el("th", "campaign-name");
      name.scope = "row";
      name.appendChild(el("span", null, c.name));
      if (c.trigger) {
        var when = text("trigger_" + c.trigger);
        if (c.wait_s) { when += " · " + text("trigger_wait", { s: number(c.wait_s) }); }  // a store-entry wait
        name.appendChild(el("small", null, when));
      }
      tr.appendChild(name);
      tr.appendChild(el("td", "num", number(c.decided)));
      tr.appendChild(el("td", "num", number(c.sent)));
      [[c.opened, c.sent], [c.converted, c.sent]].forEach(function (pair) {
        var td = el("td", "num", number(pair[0]));
        td.appendChild(el("small", "rate", percent(pair[0], pair[1])));
        tr.appendChild(td);
      });
      return tr;
    });
    $("campaigns").replaceChildren.apply($("campaigns"), rows);
    $("campaigns-empty").hidden = rows.length > 0;
    $("kpi-pushes").textContent = number(sent);
    $("kpi-pushes-hint").textContent = text("kpi_pushes_hint", { opened: number(opened) });
    $("updated").textContent = text("updated", { time: clockTime(Date.now() / 1000) });
  }

  /* --- language, status, clock -------------------------------------------------------------------------- */

  function drawStatus() {
    var live = $("live");
    live.dataset.state = connection;
    $("live-text").textContent = text(connection === "open" ? "live" : "reconnecting");
    $("banner").hidden = connection !== "signed-out";
  }

  function drawTexts() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-t]").forEach(function (node) { node.textContent = text(node.dataset.t); });
    document.querySelectorAll("[data-t-aria]").forEach(function (node) {
      node.setAttribute("aria-label", text(node.dataset.tAria));
    });
    document.title = text("title") + " · " + document.querySelector(".store-name").textContent;
  }

  function drawAll() {
    drawTexts();
    drawLabels();
    drawOccupancy();
    drawGateways();
    drawStats();
    drawFeed();
    drawStatus();
    tick();
  }

  function tick() {
    $("clock").textContent = clockTime(Date.now() / 1000).slice(0, 5);
  }

  $("lang-switch").addEventListener("click", function () {
    lang = lang === "it" ? "en" : "it";
    document.cookie = "corsia_lang=" + lang + "; path=" + location.pathname.replace(/\/[^/]*$/, "") +
      "; max-age=31536000; samesite=strict";
    drawAll();
  });

  /* --- the event stream --------------------------------------------------------------------------------- */

  function take(event) { return JSON.parse(event.data); }

  function seen(event) {
    // Items carry "<boot>:<n>"; one already shown (a reconnect that replays the backlog) is skipped.
    var parts = (event.lastEventId || "").split(":");
    var n = parseInt(parts[1], 10);
    if (parts[0] !== boot || isNaN(n)) { return false; }
    if (n <= lastId) { return true; }
    lastId = n;
    return false;
  }

  function connect() {
    source = new EventSource(data.events);
    source.addEventListener("open", function () { connection = "open"; drawStatus(); });
    source.addEventListener("snapshot", function (event) {
      var s = take(event);
      if (s.boot !== boot) { // another run of the hub: its item ids start again
        boot = s.boot;
        lastId = 0;
        feed = [];
        drawFeed();
      }
      snapshot.occupancy = s.occupancy;
      snapshot.gateways = s.gateways;
      if (s.stats && s.stats.funnel) { snapshot.stats = s.stats; }
      connection = "open";
      drawOccupancy();
      drawGateways();
      drawStats();
      drawStatus();
    });
    ["journey", "notification", "alert"].forEach(function (kind) {
      source.addEventListener(kind, function (event) {
        if (!seen(event)) { addItem(kind, take(event), event.lastEventId); }
      });
    });
    source.addEventListener("occupancy", function (event) { snapshot.occupancy = take(event); drawOccupancy(); });
    source.addEventListener("gateways", function (event) { snapshot.gateways = take(event); drawGateways(); });
    source.addEventListener("stats", function (event) { snapshot.stats = take(event); drawStats(); });
    source.addEventListener("error", function () {
      if (source.readyState !== EventSource.CLOSED) { // the browser is reconnecting by itself
        connection = "reconnecting";
        drawStatus();
        return;
      }
      source = null;
      // Refused: signed out (401), or the hub busy or restarting. Ask which, then wait or retry.
      fetch(data.state, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
        connection = response.status === 401 ? "signed-out" : "reconnecting";
        drawStatus();
        if (response.status !== 401) { setTimeout(connect, RETRY_CLOSED_MS); }
      }, function () {
        connection = "reconnecting";
        drawStatus();
        setTimeout(connect, RETRY_CLOSED_MS);
      });
    });
  }

  var first = data.snapshot;
  boot = first.boot;
  snapshot = { occupancy: first.occupancy, gateways: first.gateways, stats: first.stats };
  drawAll();
  setInterval(tick, 15000);
  connect();
})();
