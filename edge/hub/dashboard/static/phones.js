/* Corsia demo: the phones view. Draws what each simulated shopper's phone received and decrypted, and asks the
   hub for it again every 2 s (/dashboard/phones/data, which reads the demo's push service). Every text is put in
   with textContent: the titles and bodies came from pushes. Plain script, no build step. */
(function () {
  "use strict";

  var POLL_MS = 2000;

  var data = JSON.parse(document.getElementById("phones-data").textContent);
  var lang = data.lang;
  var phones = data.phones; // null: the push service did not answer
  var signedOut = false;

  function $(id) { return document.getElementById(id); }

  function text(key, values) {
    var s = (data.texts[lang] && data.texts[lang][key]) || data.texts.it[key] || key;
    return s.replace(/\{(\w+)\}/g, function (_, name) {
      return values && values[name] !== undefined && values[name] !== null ? String(values[name]) : "";
    });
  }

  function known(key) { return Object.prototype.hasOwnProperty.call(data.texts.it, key); }

  function clockTime(t) {
    return new Intl.DateTimeFormat(lang === "it" ? "it-IT" : "en-GB", {
      hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: data.timezone
    }).format(new Date(t * 1000));
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined && content !== null) { node.textContent = content; }
    return node;
  }

  function languageName(code) {
    return code && known("language_" + code) ? text("language_" + code) : code || "–";
  }

  function messageRow(m) {
    var li = el("li", "message");
    var head = el("p", "message-head");
    head.appendChild(el("time", "message-time", clockTime(m.t)));
    if (m.trigger) { head.appendChild(el("span", "tag", known("trigger_" + m.trigger) ? text("trigger_" + m.trigger) : m.trigger)); }
    if (m.kind) { head.appendChild(el("span", "tag ghost", known("kind_" + m.kind) ? text("kind_" + m.kind) : m.kind)); }
    li.appendChild(head);
    li.appendChild(el("p", "message-title", m.title || ""));
    li.appendChild(el("p", "message-body", m.body || ""));
    return li;
  }

  function phoneCard(phone, index) {
    var card = el("section", "card phone");
    card.dataset.phone = String(index);
    var head = el("div", "card-head");
    head.appendChild(el("h2", "phone-name", phone.label || text("phone_unnamed")));
    var count = phone.messages.length;
    head.appendChild(el("p", "hint phone-meta", text("phone_language", { language: languageName(phone.language) }) +
      " · " + (count === 1 ? text("phone_one") : text("phone_many", { n: count }))));
    card.appendChild(head);
    var list = el("ol", "messages");
    list.replaceChildren.apply(list, phone.messages.map(messageRow));
    card.appendChild(list);
    return card;
  }

  function draw() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-t]").forEach(function (node) { node.textContent = text(node.dataset.t); });
    document.querySelectorAll("[data-t-aria]").forEach(function (node) {
      node.setAttribute("aria-label", text(node.dataset.tAria));
    });
    document.title = text("phones_title") + " · " + document.querySelector(".store-name").textContent;
    $("phones-unreachable").hidden = phones !== null;
    $("banner").hidden = !signedOut;
    if (phones === null) { return; } // keep what was shown until the service answers again
    $("phones-empty").hidden = phones.length > 0;
    var box = $("phones");
    box.replaceChildren.apply(box, phones.map(phoneCard));
  }

  function poll() {
    fetch(data.source, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) { signedOut = true; draw(); return null; }
        return response.json().then(function (body) {
          phones = response.ok && body && Array.isArray(body.phones) ? body.phones : null;
          draw();
        });
      }, function () { phones = null; draw(); })
      .then(function () { if (!signedOut) { setTimeout(poll, POLL_MS); } },
        function () { if (!signedOut) { setTimeout(poll, POLL_MS); } });
  }

  $("lang-switch").addEventListener("click", function () {
    lang = lang === "it" ? "en" : "it";
    document.cookie = "corsia_lang=" + lang + "; path=" + location.pathname.replace(/\/[^/]*$/, "") +
      "; max-age=31536000; samesite=strict";
    draw();
  });

  draw();
  setTimeout(poll, POLL_MS);
})();
