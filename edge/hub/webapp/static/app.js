// Corsia wallet: the shopper's loyalty card, points, coupons, wishlist, messages and privacy choices.
// Plain DOM, no framework: every text from the server goes in with textContent, never as markup.
"use strict";

const WORDS = {
  it: {
    switch: "English", loading: "Caricamento…",
    "nav.card": "Carta", "nav.points": "Punti", "nav.coupons": "Coupon", "nav.wishlist": "Lista",
    "nav.inbox": "Messaggi", "nav.privacy": "Privacy",
    "welcome.title": "La tua carta fedeltà",
    "welcome.body": "Inquadra con la fotocamera il codice QR che il chiosco del negozio ti mostra dopo l'iscrizione: la carta si apre qui.",
    "enroll.busy": "Attivazione della carta…",
    "enroll.gone": "Questo codice è già stato usato o è scaduto. Chiedi al chiosco un nuovo codice per il telefono.",
    "enroll.bad": "Il link non contiene un codice valido. Inquadra di nuovo il QR del chiosco.",
    "enroll.done": "Carta attivata su questo telefono.",
    "offline": "Nessuna connessione con il negozio: riprova tra poco.",
    "signedout": "Questo telefono non è più collegato alla carta. Inquadra un nuovo QR al chiosco.",
    "card.title": "Carta fedeltà", "card.number": "Numero tessera", "card.points": "punti",
    "card.hint": "Mostra il codice alla cassa o al chiosco.",
    "card.qr": "Codice QR della carta", "card.barcode": "Codice a barre della carta",
    "points.title": "I tuoi punti", "points.balance": "Saldo", "points.empty": "Ancora nessun movimento.",
    "kind.opening": "Saldo iniziale", "kind.earn": "Acquisto", "kind.carry_over": "Punti della vecchia carta",
    "kind.redeem": "Punti usati", "kind.adjust": "Rettifica", "kind.coupon_issued": "Coupon ricevuto",
    "kind.coupon_redeemed": "Coupon usato",
    "coupons.title": "I tuoi coupon", "coupons.empty": "Nessun coupon per ora: arrivano dopo gli acquisti.",
    "coupons.code": "Codice", "coupons.until": "Valido fino al {date}", "coupons.on": "Su: {items}",
    "coupons.all": "Su tutta la spesa", "coupons.barcode": "Codice a barre del coupon", "coupons.off": "{value} di sconto",
    "state.active": "Attivo", "state.used": "Usato", "state.expired": "Scaduto",
    "wishlist.title": "La tua lista desideri", "wishlist.empty": "La lista è vuota: aggiungi prodotti dal sito del negozio.",
    "wishlist.where": "{zone}, scaffale {shelf}", "wishlist.out": "Esaurito qui", "wishlist.none": "Non disponibile in questo negozio",
    "wishlist.remove": "Togli",
    "inbox.title": "Messaggi", "inbox.empty": "Nessun messaggio.",
    "inbox.live": "I messaggi arrivano qui mentre l'app è aperta.",
    "push.enable": "Attiva le notifiche", "push.on": "Notifiche attive su questo telefono.",
    "push.denied": "Le notifiche sono bloccate nelle impostazioni del browser: i messaggi arrivano qui nell'app.",
    "push.none": "Questo browser non riceve notifiche push: i messaggi arrivano qui nell'app, in diretta mentre è aperta.",
    "privacy.title": "Privacy e consensi",
    "privacy.service": "Servizio (carta, punti, coupon)", "privacy.service.note": "Necessario per la carta: per toglierlo, cancella i tuoi dati.",
    "privacy.marketing": "Offerte e messaggi promozionali",
    "privacy.profiling": "Offerte basate sui miei acquisti",
    "privacy.proximity": "Riconoscimento del telefono in negozio",
    "privacy.save": "Salva le scelte", "privacy.saved": "Scelte salvate.",
    "privacy.policy": "Versione dell'informativa: {version}",
    "erase.title": "Cancella i miei dati",
    "erase.body": "Cancella la tua iscrizione, i punti, i coupon, i messaggi e le visite. Non si può annullare.",
    "erase.ask": "Cancella i miei dati", "erase.confirm": "Sì, cancella tutto", "erase.cancel": "Annulla",
    "erase.done": "I tuoi dati sono stati cancellati. Grazie per essere stato con noi.",
    "error": "Qualcosa non ha funzionato: riprova.",
    "new": "Nuovo messaggio",
  },
  en: {
    switch: "Italiano", loading: "Loading…",
    "nav.card": "Card", "nav.points": "Points", "nav.coupons": "Coupons", "nav.wishlist": "Wishlist",
    "nav.inbox": "Messages", "nav.privacy": "Privacy",
    "welcome.title": "Your loyalty card",
    "welcome.body": "Point your camera at the QR code the store's kiosk shows after you sign up: your card opens here.",
    "enroll.busy": "Activating your card…",
    "enroll.gone": "This code was already used or has expired. Ask the kiosk for a new phone code.",
    "enroll.bad": "The link holds no valid code. Scan the kiosk's QR code again.",
    "enroll.done": "Card activated on this phone.",
    "offline": "No connection to the store: try again shortly.",
    "signedout": "This phone is no longer linked to the card. Scan a new QR code at the kiosk.",
    "card.title": "Loyalty card", "card.number": "Member number", "card.points": "points",
    "card.hint": "Show the code at the till or the kiosk.",
    "card.qr": "Card QR code", "card.barcode": "Card barcode",
    "points.title": "Your points", "points.balance": "Balance", "points.empty": "Nothing yet.",
    "kind.opening": "Opening balance", "kind.earn": "Purchase", "kind.carry_over": "Points from the old card",
    "kind.redeem": "Points used", "kind.adjust": "Adjustment", "kind.coupon_issued": "Coupon received",
    "kind.coupon_redeemed": "Coupon used",
    "coupons.title": "Your coupons", "coupons.empty": "No coupons yet: they come after purchases.",
    "coupons.code": "Code", "coupons.until": "Valid until {date}", "coupons.on": "On: {items}",
    "coupons.all": "On the whole basket", "coupons.barcode": "Coupon barcode", "coupons.off": "{value} off",
    "state.active": "Active", "state.used": "Used", "state.expired": "Expired",
    "wishlist.title": "Your wishlist", "wishlist.empty": "The list is empty: add products on the store's website.",
    "wishlist.where": "{zone}, shelf {shelf}", "wishlist.out": "Out of stock here", "wishlist.none": "Not sold in this store",
    "wishlist.remove": "Remove",
    "inbox.title": "Messages", "inbox.empty": "No messages.",
    "inbox.live": "Messages arrive here while the app is open.",
    "push.enable": "Turn on notifications", "push.on": "Notifications are on for this phone.",
    "push.denied": "Notifications are blocked in the browser's settings: messages arrive here in the app.",
    "push.none": "This browser cannot receive push notifications: messages arrive here in the app, live while it is open.",
    "privacy.title": "Privacy and consents",
    "privacy.service": "Service (card, points, coupons)", "privacy.service.note": "Needed for the card: to remove it, delete your data.",
    "privacy.marketing": "Offers and promotional messages",
    "privacy.profiling": "Offers based on my purchases",
    "privacy.proximity": "Recognising my phone in the store",
    "privacy.save": "Save my choices", "privacy.saved": "Choices saved.",
    "privacy.policy": "Privacy notice version: {version}",
    "erase.title": "Delete my data",
    "erase.body": "Deletes your membership, points, coupons, messages and visits. This cannot be undone.",
    "erase.ask": "Delete my data", "erase.confirm": "Yes, delete everything", "erase.cancel": "Cancel",
    "erase.done": "Your data has been deleted. Thank you for being with us.",
    "error": "Something went wrong: try again.",
    "new": "New message",
  },
};

const VIEWS = ["card", "points", "coupons", "wishlist", "inbox", "privacy"];
const PURPOSES = ["marketing", "profiling", "proximity"];
const STORAGE = "corsia.wallet";
const body = document.body;
const API = body.dataset.api;
const STORE = body.dataset.store;
const HOME = body.dataset.home;
const main = document.getElementById("main");

const state = {
  session: load(),
  lang: pickLanguage(),
  member: null,
  inbox: [],
  unread: 0,
  push: "unknown", // "on" | "off" | "denied" | "none"
  stream: null,
};

// --- small helpers --------------------------------------------------------------------------------------------

function load() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE) || "null");
    return saved && saved.token && saved.member_id ? saved : null;
  } catch {
    return null;
  }
}

function save(session) {
  state.session = session;
  if (session) localStorage.setItem(STORAGE, JSON.stringify(session));
  else localStorage.removeItem(STORAGE);
}

function pickLanguage() {
  const saved = localStorage.getItem(STORAGE + ".lang");
  if (saved === "it" || saved === "en") return saved;
  return (navigator.language || "it").toLowerCase().startsWith("en") ? "en" : "it";
}

function t(key, vars = {}) {
  const text = WORDS[state.lang][key] ?? WORDS.it[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function show(...nodes) {
  main.replaceChildren(...nodes);
}

function date(seconds, withTime = false) {
  const options = withTime
    ? { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }
    : { day: "numeric", month: "long", year: "numeric" };
  return new Date(seconds * 1000).toLocaleString(state.lang === "it" ? "it-IT" : "en-GB", options);
}

function euro(value) {
  return new Intl.NumberFormat(state.lang === "it" ? "it-IT" : "en-GB", { style: "currency", currency: "EUR" }).format(value);
}

function svgImage(svg, label, cls) {
  return h("img", { src: "data:image/svg+xml;base64," + btoa(svg), alt: label, class: cls });
}

let toastTimer = 0;
function toast(text) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 6000);
}

class Gone extends Error {}

async function api(method, path, payload) {
  const headers = { Authorization: "Bearer " + state.session.token };
  const init = { method, headers };
  if (payload !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(payload);
  }
  const response = await fetch(API + path, init);
  if (response.status === 401) throw new Gone("signed out");
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
  return response.status === 204 ? null : response.json();
}

const me = () => `/members/${encodeURIComponent(state.session.member_id)}`;

// --- enrollment -----------------------------------------------------------------------------------------------

async function enroll(token) {
  show(h("p", { class: "muted" }, t("enroll.busy")));
  if (!/^[A-Za-z0-9_-]{22,64}$/.test(token)) {
    show(h("section", { class: "panel" }, h("h2", {}, t("welcome.title")), h("p", { class: "error" }, t("enroll.bad"))));
    return false;
  }
  let response;
  try {
    response = await fetch(API + "/enroll", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ enrollment_token: token, platform: "web" }),
    });
  } catch {
    show(h("p", { class: "error" }, t("offline")));
    return false;
  }
  // The token has done its job: it leaves the address bar and the history.
  history.replaceState(null, "", HOME + "#card");
  if (response.status === 410 || response.status === 404) {
    show(h("section", { class: "panel" }, h("h2", {}, t("welcome.title")), h("p", { class: "error" }, t("enroll.gone"))));
    return false;
  }
  if (!response.ok) {
    show(h("p", { class: "error" }, t("enroll.bad")));
    return false;
  }
  const enrolled = await response.json();
  save({ token: enrolled.app_token, member_id: enrolled.member_id, device_id: enrolled.device_id });
  toast(t("enroll.done"));
  return true;
}

// --- screens --------------------------------------------------------------------------------------------------

async function viewCard() {
  const [card, wallet] = await Promise.all([api("GET", me() + "/card"), api("GET", me() + "/wallet")]);
  const m = state.member;
  return h("section", { class: "panel card", "aria-labelledby": "card-title" },
    h("h2", { id: "card-title" }, t("card.title")),
    h("p", { class: "holder" }, `${m.first_name} ${m.last_name}`),
    h("p", { class: "points-big" }, h("strong", { id: "points-balance" }, String(wallet.points)), " ", t("card.points")),
    h("figure", { class: "code" }, svgImage(card.qr_svg, t("card.qr"), "qr")),
    h("figure", { class: "code" }, svgImage(card.barcode_svg, t("card.barcode"), "barcode"),
      h("figcaption", {}, h("span", { class: "muted" }, t("card.number") + " "), h("span", { class: "number" }, card.member_number))),
    h("p", { class: "muted" }, t("card.hint")),
  );
}

async function viewPoints() {
  const wallet = await api("GET", me() + "/wallet");
  const rows = wallet.history.slice().reverse().map((e) =>
    h("li", { class: "row" },
      h("span", {}, h("strong", {}, t("kind." + e.kind)), h("br"), h("small", { class: "muted" }, date(e.t, true))),
      e.points ? h("span", { class: e.points > 0 ? "plus" : "minus" }, (e.points > 0 ? "+" : "") + e.points) : h("span", { class: "muted" }, e.code || "")));
  return h("section", { class: "panel" },
    h("h2", {}, t("points.title")),
    h("p", { class: "points-big" }, t("points.balance") + ": ", h("strong", { id: "points-balance" }, String(wallet.points))),
    rows.length ? h("ul", { class: "list", id: "history" }, rows) : h("p", { class: "muted" }, t("points.empty")));
}

// The product as this store has it (name, zone, shelf), or null when the store cannot say.
async function product(sku) {
  try {
    return await api("GET", `/stores/${encodeURIComponent(STORE)}/products/${encodeURIComponent(sku)}`);
  } catch (error) {
    if (error instanceof Gone) throw error;
    return null;
  }
}

async function viewCoupons() {
  const wallet = await api("GET", me() + "/wallet");
  const order = { active: 0, used: 1, expired: 2 };
  const coupons = wallet.coupons.slice().sort((a, b) => order[a.state] - order[b.state]);
  const items = await Promise.all(coupons.map(async (c) => {
    const names = (await Promise.all(c.skus.map(product))).map((p, i) => (p ? p.name : c.skus[i]));
    const value = c.percent !== null ? `${c.percent}%` : euro(c.value_eur);
    const on = names.length || c.categories.length ? t("coupons.on", { items: [...names, ...c.categories].join(", ") }) : t("coupons.all");
    return h("li", { class: `coupon ${c.state}`, "data-code": c.code },
      h("p", { class: "coupon-value" }, t("coupons.off", { value })),
      h("p", {}, on),
      h("p", {}, h("span", { class: "muted" }, t("coupons.code") + " "), h("code", { class: "coupon-code" }, c.code)),
      c.barcode_svg ? h("figure", { class: "code" }, svgImage(c.barcode_svg, t("coupons.barcode"), "coupon-barcode")) : null,
      h("p", { class: "muted" }, `${t("state." + c.state)} · ${t("coupons.until", { date: date(c.valid_until) })}`));
  }));
  return h("section", { class: "panel" }, h("h2", {}, t("coupons.title")),
    items.length ? h("ul", { class: "coupons", id: "coupons" }, items) : h("p", { class: "muted" }, t("coupons.empty")));
}

async function viewWishlist() {
  const list = await api("GET", me() + "/wishlist");
  const items = await Promise.all(list.skus.map(async (sku) => {
    const p = await product(sku);
    let where = t("wishlist.none");
    if (p && p.location) {
      const zone = p.location.zone_label ? p.location.zone_label[state.lang] : p.location.zone;
      where = p.location.in_stock ? t("wishlist.where", { zone, shelf: p.location.shelf }) : t("wishlist.out");
    }
    const remove = async () => {
      await api("PUT", me() + "/wishlist", { skus: list.skus.filter((s) => s !== sku) });
      render();
    };
    return h("li", { class: "row" },
      h("span", {}, h("strong", {}, p ? p.name : sku), h("br"), h("small", { class: "muted" }, where)),
      h("button", { type: "button", class: "link", onclick: remove }, t("wishlist.remove")));
  }));
  return h("section", { class: "panel" }, h("h2", {}, t("wishlist.title")),
    items.length ? h("ul", { class: "list" }, items) : h("p", { class: "muted" }, t("wishlist.empty")));
}

function message(n) {
  return h("li", { class: "message", "data-id": n.notification_id },
    h("a", { href: n.url, rel: "noopener" }, h("strong", { class: "message-title" }, n.title)),
    h("p", { class: "message-body" }, n.body),
    n.coupon_code ? h("p", {}, h("span", { class: "muted" }, t("coupons.code") + " "), h("code", {}, n.coupon_code)) : null,
    h("small", { class: "muted" }, date(n.created, true)));
}

function pushPanel() {
  const note = { on: t("push.on"), denied: t("push.denied"), none: t("push.none") }[state.push];
  return h("div", { class: "push", id: "push-status", "data-state": state.push },
    state.push === "off" ? h("button", { type: "button", class: "primary", onclick: enablePush }, t("push.enable")) : null,
    h("p", { class: "muted" }, note || t("inbox.live")));
}

async function viewInbox() {
  const inbox = await api("GET", me() + "/inbox");
  state.inbox = inbox.notifications;
  state.unread = 0;
  badge();
  return h("section", { class: "panel" }, h("h2", {}, t("inbox.title")), pushPanel(),
    state.inbox.length ? h("ul", { class: "messages", id: "messages" }, state.inbox.map(message))
      : h("p", { class: "muted", id: "messages-empty" }, t("inbox.empty")));
}

async function viewPrivacy() {
  const c = state.member.consents;
  const boxes = PURPOSES.map((p) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", name: p, checked: c[p] }), " ", t("privacy." + p)));
  const saved = h("p", { class: "muted", role: "status" });
  const form = h("form", { id: "consents", onsubmit: async (event) => {
    event.preventDefault();
    const patch = { policy_version: c.policy_version };
    for (const p of PURPOSES) patch[p] = form.elements[p].checked;
    state.member.consents = await api("PATCH", me() + "/consents", patch);
    saved.textContent = t("privacy.saved");
  } },
  h("label", { class: "check" }, h("input", { type: "checkbox", checked: true, disabled: true }), " ", t("privacy.service")),
  h("p", { class: "muted small" }, t("privacy.service.note")),
  boxes,
  h("button", { type: "submit", class: "primary" }, t("privacy.save")),
  saved,
  h("p", { class: "muted small" }, t("privacy.policy", { version: c.policy_version })));

  const confirmBox = h("div", { class: "confirm", hidden: true },
    h("button", { type: "button", class: "danger", id: "erase-confirm", onclick: erase }, t("erase.confirm")),
    h("button", { type: "button", class: "link", onclick: () => { confirmBox.hidden = true; } }, t("erase.cancel")));
  return h("section", { class: "panel" }, h("h2", {}, t("privacy.title")), form,
    h("section", { class: "erase" }, h("h3", {}, t("erase.title")), h("p", {}, t("erase.body")),
      h("button", { type: "button", class: "danger-outline", id: "erase", onclick: () => { confirmBox.hidden = false; } }, t("erase.ask")),
      confirmBox));
}

async function erase() {
  await api("DELETE", me());
  await forgetPush();
  stopStream();
  save(null);
  document.getElementById("tabs").hidden = true;
  show(h("section", { class: "panel" }, h("h2", {}, t("erase.title")), h("p", { id: "erased" }, t("erase.done"))));
}

const SCREENS = { card: viewCard, points: viewPoints, coupons: viewCoupons, wishlist: viewWishlist, inbox: viewInbox, privacy: viewPrivacy };

function currentView() {
  const name = location.hash.replace(/^#/, "");
  return VIEWS.includes(name) ? name : "card";
}

let rendering = 0;
async function render() {
  const ticket = ++rendering;
  translateChrome();
  if (!state.session) {
    document.getElementById("tabs").hidden = true;
    show(h("section", { class: "panel" }, h("h2", {}, t("welcome.title")), h("p", {}, t("welcome.body"))));
    return;
  }
  const view = currentView();
  for (const link of document.querySelectorAll("#tabs a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.getElementById("tabs").hidden = false;
  try {
    if (!state.member) state.member = await api("GET", me());
    const node = await SCREENS[view]();
    if (ticket === rendering) {
      show(node);
      main.dataset.view = view;
    }
  } catch (error) {
    if (error instanceof Gone) return signedOut();
    if (ticket === rendering) show(h("p", { class: "error" }, navigator.onLine ? t("error") : t("offline")));
  }
}

function translateChrome() {
  document.documentElement.lang = state.lang;
  const lang = document.getElementById("lang");
  lang.textContent = t("switch");
  lang.lang = state.lang === "it" ? "en" : "it";
  for (const link of document.querySelectorAll("#tabs a")) {
    const label = link.querySelector(".label") || link;
    if (label === link) link.textContent = t("nav." + link.dataset.view);
    else label.textContent = t("nav." + link.dataset.view);
  }
}

function badge() {
  const node = document.getElementById("badge");
  node.textContent = state.unread ? String(state.unread) : "";
  node.hidden = !state.unread;
}

function signedOut() {
  stopStream();
  save(null);
  document.getElementById("tabs").hidden = true;
  show(h("section", { class: "panel" }, h("h2", {}, t("welcome.title")), h("p", { class: "error" }, t("signedout"))));
}

async function switchLanguage() {
  state.lang = state.lang === "it" ? "en" : "it";
  localStorage.setItem(STORAGE + ".lang", state.lang);
  if (state.session) {
    // The member's language is the language of their notifications too.
    try { state.member = await api("PATCH", me(), { language: state.lang }); } catch { /* shown on the next render */ }
  }
  render();
}

// --- notifications: Web Push when the browser has it, the live inbox always -------------------------------

function keyBytes(base64url) {
  const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4));
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
}

async function pushState() {
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return "none";
  if (Notification.permission === "denied") return "denied";
  try {
    const registration = await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.getSubscription();
    if (!subscription) return "off";
    // The browser may have renewed it since (pushsubscriptionchange): the hub keeps the one it is given now.
    if (state.session) await api("POST", me() + "/push-subscriptions", subscription.toJSON());
    return "on";
  } catch (error) {
    if (error instanceof Gone) throw error;
    return "none";
  }
}

async function enablePush() {
  try {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      state.push = permission === "denied" ? "denied" : "off";
    } else {
      const registration = await navigator.serviceWorker.ready;
      const { application_server_key: key } = await fetch(API + "/push/key").then((r) => r.json());
      const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
      await api("POST", me() + "/push-subscriptions", subscription.toJSON());
      state.push = "on";
    }
  } catch (error) {
    if (error instanceof Gone) return signedOut();
    state.push = "none"; // no push service reachable (a browser without one, a phone offline): the inbox stays live
  }
  const panel = document.getElementById("push-status");
  if (panel) panel.replaceWith(pushPanel());
}

async function forgetPush() {
  try {
    const registration = await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.getSubscription();
    if (subscription) await subscription.unsubscribe();
  } catch { /* nothing to forget */ }
}

function arrived(item) {
  if (state.inbox.some((n) => n.notification_id === item.notification_id)) return;
  state.inbox.unshift(item);
  if (currentView() === "inbox" && document.visibilityState === "visible" && main.dataset.view === "inbox") {
    let list = document.getElementById("messages");
    if (!list) {
      list = h("ul", { class: "messages", id: "messages" });
      document.getElementById("messages-empty")?.replaceWith(list);
    }
    list.prepend(message(item));
  } else {
    state.unread += 1;
    badge();
  }
  toast(`${t("new")}: ${item.title}`);
  if (item.coupon_code && currentView() === "coupons") render();
  if (currentView() === "card" || currentView() === "points") render(); // a thank-you comes with new points
}

function stopStream() {
  if (state.stream) state.stream.abort();
  state.stream = null;
}

// Server-sent events read with fetch, so the token travels in a header; reconnects when the hub ends a stream.
async function liveInbox() {
  let after = Date.now() / 1000;
  let wait = 1000;
  while (state.session) {
    const controller = new AbortController();
    state.stream = controller;
    try {
      const response = await fetch(`${API}${me()}/inbox/events?after=${after}`, {
        headers: { Authorization: "Bearer " + state.session.token, Accept: "text/event-stream" },
        signal: controller.signal,
      });
      if (response.status === 401) return signedOut();
      if (response.ok) {
        wait = 1000;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const fields = {};
            for (const line of block.split("\n")) {
              const at = line.indexOf(": ");
              if (line.startsWith(":") || at < 0) continue;
              fields[line.slice(0, at)] = (fields[line.slice(0, at)] ? fields[line.slice(0, at)] + "\n" : "") + line.slice(at + 2);
            }
            if (fields.event === "notification") {
              const item = JSON.parse(fields.data);
              after = Math.max(after, item.created);
              arrived(item);
            } else if (fields.event === "gone") {
              return signedOut();
            } else if (fields.retry) {
              wait = Number(fields.retry) || wait;
            }
          }
        }
      } else {
        wait = Math.min(wait * 2, 30000); // busy (503) or a hiccup: back off, the inbox view still loads
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      wait = Math.min(wait * 2, 30000);
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

// --- start ----------------------------------------------------------------------------------------------------

async function start() {
  document.getElementById("lang").addEventListener("click", switchLanguage);
  window.addEventListener("hashchange", render);
  // Back to the app after a purchase: the points and coupons shown are the hub's, not the ones of before.
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") render(); });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(body.dataset.worker).catch(() => { /* the app works without it */ });
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "notification") arrived(event.data.item);
      if (event.data && event.data.type === "resubscribe") pushState().then((now) => { state.push = now; }, () => {});
    });
    navigator.serviceWorker.startMessages(); // a listener added this way gets nothing until the queue is started
  }
  const enrolling = location.pathname.endsWith("/enroll");
  if (enrolling) {
    const ok = await enroll(decodeURIComponent(location.hash.replace(/^#/, "")));
    if (!ok) return;
    state.member = null;
  }
  try {
    state.push = await pushState();
  } catch {
    return signedOut();
  }
  if (state.session) {
    try {
      state.member = await api("GET", me());
      if (!localStorage.getItem(STORAGE + ".lang") && (state.member.language === "it" || state.member.language === "en")) {
        state.lang = state.member.language;
      }
    } catch (error) {
      if (error instanceof Gone) return signedOut();
    }
    liveInbox();
  }
  render();
}

start();
