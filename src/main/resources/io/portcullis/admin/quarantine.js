// The quarantine page: list with filters and paging, one held message's safe view, and actions
// (single and bulk, each confirmed with its count) over /api/quarantine.
// Everything a message carries is hostile: it goes into the page as text (textContent), never as
// HTML. The one exception is the HTML body on request, and that is not put into this page: it is
// a document of its own, served inert (sandboxing CSP, no loads) into an <iframe sandbox> with no
// permission, through a single-use path the API grants (a frame cannot send the token).
(function () {
  "use strict";

  let token = sessionStorage.getItem("portcullis-token") || "";
  let filter = {};            // the filter the list shows (query parameters, blanks dropped)
  let offset = 0;
  let page = null;            // the last list answer: {total, offset, limit, entries, time, actions}
  let selected = new Set();   // ids checked on this page
  let allMatching = false;    // "select all matching the filter" chosen
  let viewing = null;         // the entry in the view
  let rawUrl = null;          // the object URL of the last .eml download
  let listings = 0;           // listings asked for; only the latest one's answer is shown

  const $ = (id) => document.getElementById(id);

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function size(octets) {
    if (octets < 1024) return octets + " B";
    if (octets < 1024 * 1024) return (octets / 1024).toFixed(1) + " KB";
    return (octets / 1024 / 1024).toFixed(1) + " MB";
  }

  function plural(count, noun) {
    return count + " " + noun + (count === 1 ? "" : "s");
  }

  async function api(path, options) {
    const response = await fetch(path, Object.assign({ headers: { Authorization: "Bearer " + token } }, options || {}));
    if (response.status === 401) {
      showLogin("That token was not accepted.");
      throw new Error("unauthorised");
    }
    if (!response.ok) {
      let message = response.status + " " + response.statusText;
      try { message = (await response.json()).error || message; } catch (ignored) { /* not JSON */ }
      throw new Error(message);
    }
    return response;
  }

  function showLogin(message) {
    $("login").classList.remove("hidden");
    $("login-error").textContent = message || "";
  }

  function failed(error) {
    if (error.message !== "unauthorised") $("q-error").textContent = error.message;
  }

  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    token = $("token").value.trim();
    sessionStorage.setItem("portcullis-token", token);
    $("login").classList.add("hidden");
    load().catch(failed);
  });

  // The one confirmation every action goes through: resolves true only on OK.
  function confirmAction(text, okLabel) {
    return new Promise((resolve) => {
      $("confirm-text").textContent = text;
      $("confirm-ok").textContent = okLabel;
      $("confirm").classList.remove("hidden");
      const done = (answer) => {
        $("confirm").classList.add("hidden");
        $("confirm-ok").onclick = null;
        $("confirm-cancel").onclick = null;
        resolve(answer);
      };
      $("confirm-ok").onclick = () => done(true);
      $("confirm-cancel").onclick = () => done(false);
      $("confirm-ok").focus();
    });
  }

  // ---- the list ----

  function readFilter() {
    const chosen = {};
    new FormData($("q-filter")).forEach((value, name) => {
      if (String(value).trim() !== "") chosen[name] = String(value).trim();
    });
    return chosen;
  }

  async function load() {
    if (!token) {
      showLogin();
      return;
    }
    $("q-error").textContent = "";
    $("q-list").setAttribute("aria-busy", "true");   // until the answer to the latest listing is shown
    const params = new URLSearchParams(filter);
    params.set("offset", offset);
    params.set("limit", $("q-limit").value);
    const mine = ++listings;
    const answer = await api("/api/quarantine?" + params.toString()).then((r) => r.json());
    if (mine !== listings) return;   // a later listing (another filter or page) was asked for meanwhile
    page = answer;
    if (page.offset > 0 && page.offset >= page.total) {   // the page emptied (an action took it): go back
      offset = Math.max(0, Math.floor((page.total - 1) / page.limit) * page.limit);
      return load();
    }
    selected = new Set();
    allMatching = false;
    render();
  }

  function render() {
    const body = $("q-list").querySelector("tbody");
    body.replaceChildren();
    $("q-list").removeAttribute("aria-busy");
    const entries = page.entries;
    $("q-count").textContent = entries.length === page.total ? "(" + page.total + ")"
      : "(" + (page.offset + 1) + "\u2013" + (page.offset + entries.length) + " of " + page.total + ")";
    $("q-empty").classList.toggle("hidden", entries.length > 0);
    $("q-previous").disabled = page.offset === 0;
    $("q-next").disabled = page.offset + entries.length >= page.total;
    entries.forEach((entry) => {
      const tr = el("tr");
      tr.id = "q-" + entry.id;
      tr.dataset.id = entry.id;
      const pick = el("input", null, "pick");
      pick.type = "checkbox";
      pick.setAttribute("aria-label", "select " + entry.id);
      pick.addEventListener("change", () => {
        if (pick.checked) selected.add(entry.id); else selected.delete(entry.id);
        allMatching = false;
        updateSelection();
      });
      const cell = el("td");
      cell.appendChild(pick);
      tr.appendChild(cell);
      tr.appendChild(el("td", new Date(entry.arrival).toLocaleString()));
      const reason = el("td", entry.category);
      reason.title = entry.reason || "";
      tr.appendChild(reason);
      tr.appendChild(el("td", entry.score === null || entry.score === undefined ? "" : entry.score.toFixed(1), "num"));
      tr.appendChild(el("td", "<" + entry.sender + ">"));
      tr.appendChild(el("td", Object.entries(entry.recipients).map(([r, state]) => state === "held" ? r : r + " (" + state + ")").join(", ")));
      const open = el("a", entry.subject || "(no subject)", "open");
      open.href = "#" + entry.id;
      open.addEventListener("click", (event) => {
        event.preventDefault();
        view(entry.id).catch(failed);
      });
      const subject = el("td");
      subject.appendChild(open);
      tr.appendChild(subject);
      tr.appendChild(el("td", size(entry.size), "num"));
      body.appendChild(tr);
    });
    updateSelection();
  }

  function selectionCount() {
    return allMatching ? page.total : selected.size;
  }

  function updateSelection() {
    const onPage = page ? page.entries.length : 0;
    document.querySelectorAll("#q-list tbody tr").forEach((tr) => {
      const on = allMatching || selected.has(tr.dataset.id);
      tr.querySelector("input.pick").checked = on;
      tr.classList.toggle("picked", on);
    });
    $("q-page-all").checked = onPage > 0 && (allMatching || selected.size === onPage);
    const count = selectionCount();
    $("q-selection").textContent = count === 0 ? "none selected"
      : allMatching ? "all " + plural(count, "message") + " matching the filter selected" : plural(count, "message") + " selected";
    const offerAll = !allMatching && onPage > 0 && selected.size === onPage && page.total > onPage;
    $("q-select-matching").classList.toggle("hidden", !offerAll);
    $("q-select-matching").textContent = offerAll ? "Select all " + page.total + " matching the filter" : "";
    $("q-bulk-release").disabled = count === 0;
    $("q-bulk-delete").disabled = count === 0;
  }

  $("q-page-all").addEventListener("change", () => {
    allMatching = false;
    selected = new Set($("q-page-all").checked ? page.entries.map((e) => e.id) : []);
    updateSelection();
  });
  $("q-select-matching").addEventListener("click", () => {
    allMatching = true;
    updateSelection();
  });

  async function bulk(action) {
    const count = selectionCount();
    const what = allMatching ? "every message matching the filter (" + plural(count, "message") + ")" : plural(count, "message");
    const text = action === "delete" ? "Delete " + what + "? This cannot be undone."
      : "Release " + what + " to all their held recipients?";
    if (!(await confirmAction(text, (action === "delete" ? "Delete " : "Release ") + count))) return;
    let done = 0;
    if (allMatching) {
      // The filter as listed, and nothing that arrived after the listing (until is exclusive).
      const params = new URLSearchParams(filter);
      if (!filter.until || Date.parse(filter.until + "T00:00:00Z") + 86400000 > Date.parse(page.time)) params.set("until", page.time);
      const outcome = await api("/api/quarantine/actions/" + action + "?" + params.toString(), { method: "POST" }).then((r) => r.json());
      done = outcome.entries;
    } else {
      for (const id of selected) {
        try {
          const outcome = await api("/api/quarantine/" + encodeURIComponent(id) + "/" + action, { method: "POST" }).then((r) => r.json());
          done += outcome.entries;
        } catch (error) {
          if (error.message === "unauthorised") throw error;   // otherwise gone meanwhile: go on
        }
      }
    }
    $("q-result").textContent = (action === "delete" ? "Deleted " : "Released ") + plural(done, "message") + ".";
    if (viewing && action === "delete") closeView();
    await load();
  }

  $("q-bulk-release").addEventListener("click", () => bulk("release").catch(failed));
  $("q-bulk-delete").addEventListener("click", () => bulk("delete").catch(failed));

  $("q-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    filter = readFilter();
    offset = 0;
    $("q-result").textContent = "";
    load().catch(failed);
  });
  $("q-clear").addEventListener("click", () => {
    $("q-filter").reset();
    filter = {};
    offset = 0;
    load().catch(failed);
  });
  $("q-limit").addEventListener("change", () => {
    offset = 0;
    load().catch(failed);
  });
  $("q-previous").addEventListener("click", () => {
    offset = Math.max(0, offset - page.limit);
    load().catch(failed);
  });
  $("q-next").addEventListener("click", () => {
    offset += page.limit;
    load().catch(failed);
  });

  // ---- one message ----

  function closeView() {
    viewing = null;
    $("q-view").classList.add("hidden");
    $("v-html").removeAttribute("src");
  }

  function showText() {
    $("v-html").classList.add("hidden");
    $("v-html").removeAttribute("src");
    $("v-text").classList.remove("hidden");
    $("v-as-text").setAttribute("aria-pressed", "true");
    $("v-as-html").setAttribute("aria-pressed", "false");
  }

  async function view(id) {
    const [shown, preview] = await Promise.all([
      api("/api/quarantine/" + encodeURIComponent(id)).then((r) => r.json()),
      api("/api/quarantine/" + encodeURIComponent(id) + "/preview").then((r) => r.json()),
    ]);
    const entry = shown.entry;
    viewing = entry;
    $("v-id").textContent = entry.id;
    const facts = $("v-facts").querySelector("tbody");
    facts.replaceChildren();
    [["Reason", entry.reason], ["Score", entry.score === null || entry.score === undefined ? "none" : entry.score],
      ["Sender", "<" + entry.sender + ">"], ["Subject", entry.subject || ""], ["Message-ID", entry.messageId || ""],
      ["Arrived", new Date(entry.arrival).toLocaleString()], ["Deleted after", new Date(entry.expires).toLocaleString()],
      ["Size", size(entry.size)], ["Listener", entry.listener + " (" + entry.flow + ")"]].forEach(([name, value]) => {
      const tr = el("tr");
      tr.appendChild(el("td", name));
      tr.appendChild(el("td", value));
      facts.appendChild(tr);
    });
    const recipients = $("v-recipients");
    recipients.replaceChildren();
    Object.entries(entry.recipients).forEach(([address, state]) => {
      const label = el("label");
      const box = el("input", null, "recipient");
      box.type = "checkbox";
      box.value = address;
      box.checked = state === "held";
      box.disabled = state !== "held";
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + address));
      label.appendChild(el("span", state, "state " + state));
      recipients.appendChild(label);
    });
    const allow = $("v-release-allow");
    allow.disabled = !(page && page.actions && page.actions.includes("release-and-allow-sender"));
    $("v-text").textContent = preview.text;
    $("v-truncated").classList.toggle("hidden", !preview.truncated);
    $("v-as-html").classList.toggle("hidden", !preview.html);
    showText();
    const attachments = $("v-attachments").querySelector("tbody");
    attachments.replaceChildren();
    preview.attachments.forEach((a) => {
      const tr = el("tr");
      tr.appendChild(el("td", a.name || "(no name)"));
      tr.appendChild(el("td", a.type));
      tr.appendChild(el("td", size(a.size), "num"));
      attachments.appendChild(tr);
    });
    if (!preview.attachments.length) attachments.appendChild(el("tr")).appendChild(el("td", "none", "muted"));
    const headers = $("v-headers").querySelector("tbody");
    headers.replaceChildren();
    preview.headers.forEach(([name, value]) => {
      const tr = el("tr");
      tr.appendChild(el("td", name));
      tr.appendChild(el("td", value));
      headers.appendChild(tr);
    });
    $("v-raw").href = "/api/quarantine/" + encodeURIComponent(entry.id) + "/raw";
    $("v-raw").setAttribute("download", entry.id + ".eml");
    $("q-view").classList.remove("hidden");
    $("q-view").scrollIntoView();
  }

  $("v-close").addEventListener("click", closeView);
  $("v-as-text").addEventListener("click", showText);
  $("v-as-html").addEventListener("click", async () => {
    try {
      const grant = await api("/api/quarantine/" + encodeURIComponent(viewing.id) + "/html-link").then((r) => r.json());
      $("v-text").classList.add("hidden");
      $("v-html").classList.remove("hidden");
      $("v-html").src = grant.path;   // the frame keeps its sandbox attribute: no permission at all
      $("v-as-text").setAttribute("aria-pressed", "false");
      $("v-as-html").setAttribute("aria-pressed", "true");
    } catch (error) {
      failed(error);
    }
  });

  // The download needs the token, which a plain link cannot send: fetch it, then save the bytes.
  $("v-raw").addEventListener("click", async (event) => {
    event.preventDefault();
    try {
      const blob = await api($("v-raw").getAttribute("href")).then((r) => r.blob());
      if (rawUrl) URL.revokeObjectURL(rawUrl);
      rawUrl = URL.createObjectURL(new Blob([blob], { type: "application/octet-stream" }));
      const save = el("a");
      save.href = rawUrl;
      save.download = $("v-raw").getAttribute("download");
      document.body.appendChild(save);
      save.click();
      save.remove();
    } catch (error) {
      failed(error);
    }
  });

  async function act(action, recipients) {
    const id = viewing.id;
    let text;
    if (action === "delete") {
      text = "Delete this message for every recipient? This cannot be undone.";
    } else {
      const count = recipients ? recipients.length : Object.values(viewing.recipients).filter((s) => s === "held").length;
      text = "Release this message to " + plural(count, "recipient") + (recipients ? " (" + recipients.join(", ") + ")" : "")
        + (action === "release-and-allow-sender" ? " and always allow <" + viewing.sender + "> for them" : "") + "?";
      if (count === 0) {
        $("q-error").textContent = "No held recipient is checked.";
        return;
      }
    }
    if (!(await confirmAction(text, action === "delete" ? "Delete" : action === "release" ? "Release" : "Release and allow"))) return;
    const query = recipients ? "?recipients=" + encodeURIComponent(recipients.join(",")) : "";
    const outcome = await api("/api/quarantine/" + encodeURIComponent(id) + "/" + action + query, { method: "POST" }).then((r) => r.json());
    $("q-result").textContent = action === "delete" ? "Deleted 1 message."
      : "Released to " + plural(outcome.recipients, "recipient") + ".";
    closeView();
    await load();
  }

  $("v-release").addEventListener("click", () => act("release", null).catch(failed));
  function checkedRecipients() {
    return [...document.querySelectorAll("#v-recipients input.recipient:checked")].map((box) => box.value);
  }

  $("v-release-selected").addEventListener("click", () => act("release", checkedRecipients()).catch(failed));
  $("v-delete").addEventListener("click", () => act("delete", null).catch(failed));
  $("v-release-allow").addEventListener("click", () => act("release-and-allow-sender", checkedRecipients()).catch(failed));

  load().catch(failed);
})();
