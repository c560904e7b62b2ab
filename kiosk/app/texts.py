"""Every text the kiosk shows, as ``key: (Italian, English)``.

Written for a customer standing at a screen in a shop: short sentences, the informal "tu" of Italian retail,
gender-neutral wording, never a technical term and never "come back later". The privacy notices of each
consent are in `kiosk.app.policy`.
"""

from __future__ import annotations

from typing import Final

CATALOG: Final[dict[str, tuple[str, str]]] = {
    # --- on every screen ---------------------------------------------------------------------------------
    "brand": ("Corsia Club", "Corsia Club"),
    "switch_language": ("English", "Italiano"),
    "switch_language.label": ("Switch to English", "Passa all'italiano"),
    "back": ("Indietro", "Back"),
    "next": ("Avanti", "Next"),
    "finish": ("Fine", "Done"),
    "cancel": ("Annulla l'iscrizione", "Cancel sign-up"),
    "home_link": ("Torna all'inizio", "Back to the start"),
    "error": ("Errore", "Error"),
    "step": ("Passo {n} di {total}", "Step {n} of {total}"),
    "errors.summary": ("Controlla questi campi:", "Please check these fields:"),
    "optional": ("facoltativo", "optional"),
    # --- the inactivity warning ----------------------------------------------------------------------------
    "idle.title": ("Ci sei ancora?", "Are you still there?"),
    "idle.before": (
        "Per proteggere i tuoi dati, lo schermo verrà cancellato tra",
        "To protect your data, the screen will be cleared in",
    ),
    "idle.after": ("secondi.", "seconds."),
    "idle.continue": ("Continua", "Continue"),
    "idle.finish": ("Ho finito", "I'm done"),
    # --- home ----------------------------------------------------------------------------------------------
    "home.title": ("Ti diamo il benvenuto nel Corsia Club", "Welcome to Corsia Club"),
    "home.lead": (
        "La carta fedeltà è gratuita: accumuli punti, ricevi offerte pensate per te e trovi subito "
        "quello che cerchi in negozio.",
        "The loyalty card is free: collect points, get offers made for you and find what you are looking "
        "for in the store straight away.",
    ),
    "home.signup": ("Iscriviti", "Sign up"),
    "home.member.title": ("Sei già nel Corsia Club?", "Already a member?"),
    "home.member.text": (
        "Passa la tua carta sul lettore, oppure mostra alla fotocamera il QR della app.",
        "Swipe your card on the reader, or show the app's QR code to the camera.",
    ),
    "home.prereg.title": ("Hai fatto la pre-registrazione sul sito?", "Pre-registered on our website?"),
    "home.prereg.text": (
        "Mostra alla fotocamera il QR che hai ricevuto: completiamo insieme l'iscrizione.",
        "Show the QR code you received to the camera and we will finish your sign-up together.",
    ),
    # --- short messages after a scan or an action -------------------------------------------------------
    "notice.card_unknown": (
        "Questa carta non è ancora collegata a un'iscrizione. Iscriviti: potrai collegarla strada facendo.",
        "This card is not linked to a membership yet. Sign up and you can link it along the way.",
    ),
    "notice.member_unknown": (
        "Non troviamo questa iscrizione. Prova con la tua carta, oppure iscriviti.",
        "We can't find this membership. Try your card, or sign up.",
    ),
    "notice.code_for_app": (
        "Questo QR va inquadrato con la app sul telefono.",
        "This QR code is meant for the app on your phone.",
    ),
    "notice.code_unknown": (
        "Non riconosciamo questo codice. Prova con la tua carta o con il QR della app.",
        "We don't recognise this code. Try your card or the app's QR code.",
    ),
    "notice.lookup_offline": (
        "In questo momento non riusciamo ad aprire la tua iscrizione. La tua carta funziona comunque alla cassa.",
        "We can't open your membership right now. Your card still works at the till.",
    ),
    "notice.consents_saved": ("Le tue scelte sono salvate.", "Your choices are saved."),
    "notice.consents_offline": (
        "In questo momento non riusciamo a salvare le tue scelte. Puoi cambiarle anche nella app.",
        "We can't save your choices right now. You can also change them in the app.",
    ),
    "notice.enroll_offline": (
        "In questo momento non riusciamo a preparare il QR. Puoi collegare il telefono anche dalla app.",
        "We can't prepare the QR code right now. You can also link your phone from the app.",
    ),
    "notice.prereg_found": (
        "Abbiamo trovato la tua pre-registrazione: controlla i dati e continua.",
        "We found your pre-registration: check your details and continue.",
    ),
    "notice.card_added": ("Carta aggiunta.", "Card added."),
    "notice.card_in_use": (
        "Questa carta è già collegata a un'iscrizione: eccola.",
        "This card is already linked to a membership: here it is.",
    ),
    # --- sign-up: details ------------------------------------------------------------------------------
    "details.title": ("I tuoi dati", "Your details"),
    "details.intro": (
        "Ci servono per la tua carta. Quelli facoltativi sono indicati.",
        "We need these for your card. Optional ones are marked.",
    ),
    "field.first_name": ("Nome", "First name"),
    "field.last_name": ("Cognome", "Last name"),
    "field.email": ("Email", "Email"),
    "field.email.hint": (
        "Ti scriviamo solo per la tua carta, a meno che tu non ci dia altri consensi.",
        "We only write to you about your card, unless you agree to more.",
    ),
    "field.phone": ("Cellulare", "Mobile"),
    "field.phone.hint": (
        "Facoltativo. Per un numero italiano non serve il +39; per un numero estero scrivi + e il prefisso.",
        "Optional. An Italian number needs no +39; for another country, type + and the country code.",
    ),
    "field.birth_date": ("Data di nascita", "Date of birth"),
    "field.birth_date.hint": (
        "Facoltativa, per farti gli auguri. Giorno, mese e anno: per esempio 28/02/1990.",
        "Optional, so we can wish you a happy birthday. Day, month and year: for example 28/02/1990.",
    ),
    "field.language": ("Lingua dei nostri messaggi", "Language of our messages"),
    "lang.it": ("Italiano", "Italiano"),
    "lang.en": ("English", "English"),
    # --- errors next to the fields ------------------------------------------------------------------------
    "error.first_name.empty": ("Scrivi il tuo nome.", "Enter your first name."),
    "error.first_name.too_long": ("Il nome può avere al massimo 100 caratteri.", "Use at most 100 characters."),
    "error.first_name.invalid": (
        "Il nome contiene caratteri che non possiamo accettare.",
        "Your first name contains characters we cannot accept.",
    ),
    "error.last_name.empty": ("Scrivi il tuo cognome.", "Enter your last name."),
    "error.last_name.too_long": ("Il cognome può avere al massimo 100 caratteri.", "Use at most 100 characters."),
    "error.last_name.invalid": (
        "Il cognome contiene caratteri che non possiamo accettare.",
        "Your last name contains characters we cannot accept.",
    ),
    "error.email.empty": ("Scrivi il tuo indirizzo email.", "Enter your email address."),
    "error.email.too_long": ("L'indirizzo email è troppo lungo.", "This email address is too long."),
    "error.email.invalid": (
        "Controlla l'indirizzo email: deve essere come nome@esempio.it.",
        "Check your email address: it should look like name@example.com.",
    ),
    "error.phone.invalid": (
        "Controlla il numero: un cellulare italiano ha 9 o 10 cifre e inizia con 3.",
        "Check the number: an Italian mobile has 9 or 10 digits and starts with 3.",
    ),
    "error.phone.too_long": ("Il numero è troppo lungo.", "This number is too long."),
    "error.phone.country": (
        "Per un numero estero aggiungi il prefisso internazionale, per esempio +41.",
        "For a number outside Italy, add the country code, such as +41.",
    ),
    "error.birth_date.invalid": (
        "Controlla la data di nascita: giorno, mese e anno.",
        "Check your date of birth: day, month and year.",
    ),
    "error.birth_date.future": (
        "La data di nascita non può essere nel futuro.",
        "Your date of birth cannot be in the future.",
    ),
    "error.birth_date.too_young": (
        "Per iscriverti servono almeno 14 anni.",
        "You need to be at least 14 to join.",
    ),
    "error.not_accepted": (
        "Non possiamo accettare questo valore: correggilo, o lascialo vuoto se è facoltativo.",
        "We can't accept this value: correct it, or leave it empty if it is optional.",
    ),
    "error.consent.required": (
        "Senza questo consenso non possiamo attivare la carta. Se preferisci non darlo, puoi annullare l'iscrizione.",
        "We cannot issue the card without this consent. If you would rather not give it, you can cancel the sign-up.",
    ),
    "error.card.empty": ("Scrivi il numero della carta.", "Enter the card number."),
    "error.card.too_long": ("Il numero ha al massimo 20 caratteri.", "The number has at most 20 characters."),
    "error.card.invalid": (
        "Il numero della carta ha da 6 a 20 lettere o cifre.",
        "A card number has 6 to 20 letters or digits.",
    ),
    # --- sign-up: consents --------------------------------------------------------------------------------
    "consent.version": ("Informativa privacy, versione {version}", "Privacy notice, version {version}"),
    "consent.required_note": ("Necessario per avere la carta.", "Needed for the card."),
    "consent.optional_note": (
        "Facoltativo. Puoi cambiare idea quando vuoi, qui o nella app.",
        "Optional. You can change your mind at any time, here or in the app.",
    ),
    # --- sign-up: the old card ------------------------------------------------------------------------
    "card.title": ("Hai già una nostra carta fedeltà?", "Do you already have our loyalty card?"),
    "card.text": (
        "Passala sul lettore oppure mostra il suo codice a barre alla fotocamera: i punti che hai "
        "accumulato passano sulla nuova iscrizione.",
        "Swipe it on the reader or show its barcode to the camera: the points you collected carry over "
        "to your new membership.",
    ),
    "card.linked": ("Carta che termina con {last4}: la colleghiamo.", "Card ending in {last4}: we will link it."),
    "card.remove": ("Togli la carta", "Remove the card"),
    "card.number": ("Numero della carta", "Card number"),
    "card.number.hint": (
        "Se il lettore non la legge, scrivi il numero stampato sulla carta.",
        "If the reader can't read it, type the number printed on the card.",
    ),
    "card.add": ("Aggiungi la carta", "Add the card"),
    "card.none": (
        "Non hai una carta? Nessun problema: ricevi subito quella digitale.",
        "No card? No problem: you get a digital one straight away.",
    ),
    "card.submit": ("Completa l'iscrizione", "Complete sign-up"),
    # --- sign-up: the result -----------------------------------------------------------------------------
    "done.title": ("Ti diamo il benvenuto, {name}!", "Welcome, {name}!"),
    "done.lead": ("La tua carta digitale è pronta.", "Your digital card is ready."),
    "done.card.title": ("La tua carta", "Your card"),
    "done.card.text": (
        "Mostrala alla cassa. Puoi fotografare lo schermo per averla sempre con te.",
        "Show it at the till. You can take a photo of the screen to keep it with you.",
    ),
    "done.number": ("Numero della carta", "Card number"),
    "done.qr.card": ("QR della tua carta", "Your card's QR code"),
    "done.barcode": ("Codice a barre della tua carta", "Your card's barcode"),
    "done.app.title": ("Collega la app", "Link the app"),
    "done.app.text": (
        "Apri la app Corsia sul telefono e inquadra questo codice. Vale una sola volta e per poco tempo.",
        "Open the Corsia app on your phone and scan this code. It works once, for a short time.",
    ),
    "done.qr.app": ("QR per collegare la app", "QR code to link the app"),
    "done.provisional.title": ("Sei nel Corsia Club, {name}!", "You're in Corsia Club, {name}!"),
    "done.provisional.lead": (
        "La tua iscrizione è registrata. Ecco il numero della tua carta: conservalo, è già tuo.",
        "Your sign-up is saved. Here is your card number: keep it, it's yours.",
    ),
    "done.provisional.app": (
        "Il QR per collegare la app sarà pronto alla tua prossima visita: ti basterà passare la carta "
        "qui. Oppure te lo mandiamo per email.",
        "The QR code to link the app will be ready on your next visit: just scan your card here. Or we "
        "will send it to you by email.",
    ),
    # --- sign-up: already a member -------------------------------------------------------------------
    "welcome.title": ("Che bello rivederti!", "Welcome back!"),
    "welcome.text": (
        "Risulta già un'iscrizione con alcuni dei dati che hai inserito. Per vedere i tuoi punti e le tue "
        "scelte, passa la tua carta sul lettore o mostra il QR della app.",
        "Some of the details you entered are already registered with us. To see your points and choices, "
        "swipe your card or show the app's QR code.",
    ),
    "welcome.help": (
        "Se non hai la carta con te, il personale alla cassa può aiutarti.",
        "If you don't have your card with you, our staff at the till can help.",
    ),
    "welcome.fix": ("Correggi i dati", "Edit my details"),
    # --- existing members ------------------------------------------------------------------------------
    "member.title": ("Ciao, {name}!", "Hello, {name}!"),
    "member.points.one": ("Hai 1 punto.", "You have 1 point."),
    "member.points": ("Hai {points} punti.", "You have {points} points."),
    "member.number": ("Carta n. {number}", "Card no. {number}"),
    "member.consents": ("Le mie scelte sulla privacy", "My privacy choices"),
    "member.enroll": ("Collega un nuovo telefono", "Link a new phone"),
    "mconsents.title": ("Le tue scelte sulla privacy", "Your privacy choices"),
    "mconsents.intro": (
        "Scegli che cosa possiamo fare con i tuoi dati. Puoi cambiare idea quando vuoi.",
        "Choose what we may do with your data. You can change your mind at any time.",
    ),
    "mconsents.service": (
        "La carta fedeltà è attiva. Per chiudere l'iscrizione usa la app o chiedi al personale.",
        "Your loyalty card is active. To close your membership, use the app or ask our staff.",
    ),
    "mconsents.read": ("Leggi l'informativa", "Read the notice"),
    "mconsents.save": ("Salva le scelte", "Save my choices"),
    "menroll.title": ("Collega un nuovo telefono", "Link a new phone"),
    "menroll.text": (
        "Apri la app Corsia sul nuovo telefono e inquadra questo codice. Vale una sola volta, fino alle {time}.",
        "Open the Corsia app on the new phone and scan this code. It works once, until {time}.",
    ),
    # --- pre-registration ----------------------------------------------------------------------------
    "prereg.missing.title": ("Non troviamo la tua pre-registrazione", "We can't find your pre-registration"),
    "prereg.missing.text": (
        "Forse è scaduta, o non è ancora arrivata in negozio. Nessun problema: puoi iscriverti qui in un minuto.",
        "It may have expired, or not reached the store yet. No problem: you can sign up here in a minute.",
    ),
    # --- error pages -------------------------------------------------------------------------------------
    "error.csrf.title": ("Questa pagina è scaduta", "This page has expired"),
    "error.csrf.text": ("Per sicurezza ricominciamo dall'inizio.", "For your security, let's start again."),
    "error.rate.title": ("Un attimo di pausa", "Just a moment"),
    "error.rate.text": (
        "Ci sono stati troppi tentativi in poco tempo. Riprova tra un minuto.",
        "There have been too many attempts in a short time. Please try again in a minute.",
    ),
    "error.notfound.title": ("Pagina non trovata", "Page not found"),
    "error.notfound.text": ("Torniamo all'inizio.", "Let's go back to the start."),
    "error.internal.title": ("Qualcosa non ha funzionato", "Something went wrong"),
    "error.internal.text": (
        "Non è colpa tua. Ricominciamo dall'inizio; il personale alla cassa può aiutarti.",
        "It's not your fault. Let's start again; our staff at the till can help.",
    ),
}
