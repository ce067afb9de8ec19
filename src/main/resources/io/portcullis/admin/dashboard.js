// The Portcullis dashboard: polls the admin API and redraws, no page reloads.
// Every value from the API is put into the page as text (textContent), never as HTML:
// sender addresses and replies come from the Internet.
(function () {
  "use strict";

  const POLL_MS = 2000;
  const WINDOW_SECONDS = 15 * 60;
  const COLORS = { inbound: "#2f6fed", outbound: "#18a56c", local: "#9a6bd6" };
  const EXTRA_COLORS = ["#d98a00", "#d64545", "#0f9bb3", "#7a869a"];
  let token = sessionStorage.getItem("portcullis-token") || "";
  let history = { times: [], flows: {} };   // per flow: messages per minute at each poll
  let last = null;                           // the previous summary, for rates
  let volumeChart = null;
  let rejectsChart = null;
  let historyChart = null;
  let historyLoaded = 0;                     // when the hourly reports were last fetched (ms)
  const HISTORY_MS = 15 * 1000;               // the reports are written every few seconds
  const QUEUE_PAGE = 50;
  let queueOffset = 0;                       // the queue table's page and search, kept across polls
  let queueQuery = "";

  const $ = (id) => document.getElementById(id);

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function colorOf(flow, index) {
    return COLORS[flow] || EXTRA_COLORS[index % EXTRA_COLORS.length];
  }

  function age(seconds) {
    seconds = Math.round(seconds);
    if (seconds < 120) return seconds + "s";
    if (seconds < 7200) return Math.round(seconds / 60) + "m";
    if (seconds < 172800) return Math.round(seconds / 3600) + "h";
    return Math.round(seconds / 86400) + "d";
  }

  async function api(path, options) {
    const response = await fetch(path, Object.assign({ headers: { Authorization: "Bearer " + token } }, options || {}));
    if (response.status === 401) {
      showLogin("That token was not accepted.");
      throw new Error("unauthorised");
    }
    return response;
  }

  function showLogin(message) {
    $("login").classList.remove("hidden");
    $("login-error").textContent = message || "";
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    token = $("token").value.trim();
    sessionStorage.setItem("portcullis-token", token);
    $("login").classList.add("hidden");
    historyLoaded = 0;
    await refresh();
  });

  function renderFlows(summary) {
    const cards = $("flows");
    cards.replaceChildren();
    Object.entries(summary.flows).forEach(([flow, f]) => {
      const card = el("div", null, "card " + flow);
      card.id = "flow-" + flow;
      card.appendChild(el("h2", flow));
      const big = el("div", f.received, "big");
      big.id = "flow-" + flow + "-received";
      card.appendChild(big);
      const facts = el("div", null, "facts");
      facts.appendChild(el("span", "messages received"));
      facts.appendChild(el("span", f.recipients + " recipients"));
      facts.appendChild(el("span", f.rejects + " rejects"));
      facts.appendChild(el("span", f.queued + " queued"));
      card.appendChild(facts);
      cards.appendChild(card);
    });
  }

  function renderVolume(summary) {
    const now = Date.parse(summary.time) / 1000;
    if (last) {
      const minutes = Math.max((now - Date.parse(last.time) / 1000) / 60, 1 / 60);
      history.times.push(now);
      Object.keys(summary.flows).forEach((flow) => {
        const before = last.flows[flow] ? last.flows[flow].received : 0;
        if (!history.flows[flow]) history.flows[flow] = history.times.slice(0, -1).map(() => 0);
        history.flows[flow].push((summary.flows[flow].received - before) / minutes);
      });
      while (history.times.length && history.times[0] < now - WINDOW_SECONDS) {
        history.times.shift();
        Object.values(history.flows).forEach((series) => series.shift());
      }
    }
    last = summary;
    const flows = Object.keys(history.flows);
    if (history.times.length < 2) return;
    const data = [history.times].concat(flows.map((flow) => history.flows[flow]));
    const width = $("volume").clientWidth || 600;
    if (!volumeChart || volumeChart.series.length !== flows.length + 1) {
      if (volumeChart) volumeChart.destroy();
      volumeChart = new uPlot({
        width: width, height: 240,
        series: [{}].concat(flows.map((flow, i) => ({ label: flow, stroke: colorOf(flow, i), width: 2,
          fill: colorOf(flow, i) + "22", value: (u, v) => v == null ? "-" : v.toFixed(1) + "/min" }))),
        axes: [{}, { label: "messages/min" }],
        scales: { y: { range: (u, min, max) => [0, Math.max(1, max * 1.2)] } },
      }, data, $("volume"));
    } else {
      volumeChart.setData(data);
    }
  }

  // From the hourly reports (last 24 hours), so a restart of the gateway or a reload of the page
  // does not empty it: byFlow is {flow: {reason: count}}.
  function renderRejects(byFlow) {
    const flows = Object.keys(byFlow);
    const reasons = [...new Set(flows.flatMap((flow) => Object.keys(byFlow[flow])))].sort();
    const datasets = flows.map((flow, i) => ({
      label: flow, backgroundColor: colorOf(flow, i),
      data: reasons.map((reason) => byFlow[flow][reason] || 0),
    }));
    if (!rejectsChart) {
      rejectsChart = new Chart($("rejects"), {
        type: "bar",
        data: { labels: reasons, datasets: datasets },
        options: { animation: false, responsive: true, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true,
          ticks: { precision: 0 } } }, plugins: { legend: { position: "bottom" } } },
      });
    } else {
      rejectsChart.data.labels = reasons;
      rejectsChart.data.datasets = datasets;
      rejectsChart.update();
    }
  }

  function row(cells) {
    const tr = el("tr");
    cells.forEach((cell) => {
      const isObject = cell !== null && typeof cell === "object";
      const td = el("td", isObject ? (cell.text !== undefined ? cell.text : null) : cell, isObject ? cell.className : undefined);
      if (cell && cell.node) td.appendChild(cell.node);
      tr.appendChild(td);
    });
    return tr;
  }

  function renderTables(summary, health) {
    const flows = $("queue-flows").querySelector("tbody");
    flows.replaceChildren();
    Object.entries(summary.flows).forEach(([flow, f]) => {
      flows.appendChild(row([flow, { text: f.queued, className: "num" }, { text: age(f.oldestAgeSeconds), className: "num" },
        { text: f.delivered, className: "num" }, { text: f.deferred, className: "num" }, { text: f.bounced, className: "num" }]));
    });
    const connectors = $("connectors").querySelector("tbody");
    connectors.replaceChildren();
    Object.entries(summary.connectors).forEach(([name, c]) => {
      const outcomes = c.delivered + c.deferred + c.bounced + c.expired;
      const trouble = outcomes === 0 ? 0 : (c.deferred + c.bounced + c.expired) / outcomes;
      const dot = el("span", null, "health" + (trouble > 0.5 ? " bad" : trouble > 0.1 ? " warn" : ""));
      dot.title = Math.round(trouble * 100) + "% not delivered at the first try";
      connectors.appendChild(row([name, { node: dot }, { text: c.delivered, className: "num" },
        { text: c.deferred, className: "num" }, { text: c.bounced + c.expired, className: "num" },
        { text: c.attempts, className: "num" }]));
    });
    const listeners = $("listeners").querySelector("tbody");
    listeners.replaceChildren();
    Object.entries(summary.listeners).forEach(([name, l]) => {
      const up = health && health.listeners && health.listeners[name];
      listeners.appendChild(row([name, l.flow, up === false ? "down" : "up", { text: l.active, className: "num" },
        { text: l.connections, className: "num" }, { text: l.tls, className: "num" }, { text: l.refused, className: "num" }]));
    });
  }

  // The cluster card: this node and the peers of cluster.peers (shown only when there are peers).
  function renderCluster(view) {
    const nodes = (view && view.nodes) || [];
    $("cluster-panel").classList.toggle("hidden", nodes.length < 2);
    const body = $("cluster").querySelector("tbody");
    body.replaceChildren();
    const num = (value, digits) => ({ text: value === null || value === undefined ? "-" : digits ? value.toFixed(digits) : value, className: "num" });
    nodes.forEach((n) => {
      const state = el("span", n.state, "pill " + (n.state === "up" ? "ok" : "down"));
      body.appendChild(row([n.node + (n.self ? " (this node)" : ""), { node: state }, num(n.queued), num(n.receivedPerMinute, 1),
        num(n.deliveredPerMinute, 1), num(n.received), num(n.delivered), n.error || ""]));
    });
  }

  async function act(id, action) {
    if ((action === "delete" || action === "bounce") && !confirm(action + " " + id + "?")) return;
    await api("/api/queue/" + encodeURIComponent(id) + "/" + action, { method: "POST" });
    await refresh();
  }

  // The queue is paged and searched by the server (offset, limit, q); the total is in X-Total-Count.
  async function fetchQueue() {
    const params = new URLSearchParams({ offset: queueOffset, limit: QUEUE_PAGE });
    if (queueQuery) params.set("q", queueQuery);
    const response = await api("/api/queue?" + params.toString());
    const entries = await response.json();
    const total = parseInt(response.headers.get("X-Total-Count") || String(entries.length), 10);
    return { entries: entries, total: total };
  }

  function renderQueue(page) {
    const entries = page.entries;
    const total = page.total;
    if (queueOffset > 0 && queueOffset >= total) {   // the page emptied under us: show the last one next time
      queueOffset = Math.max(0, Math.floor((total - 1) / QUEUE_PAGE) * QUEUE_PAGE);
    }
    const body = $("queue").querySelector("tbody");
    body.replaceChildren();
    $("queue-count").textContent = entries.length === total ? "(" + total + ")"
      : "(" + (queueOffset + 1) + "\u2013" + (queueOffset + entries.length) + " of " + total + ")";
    $("queue-previous").disabled = queueOffset === 0;
    $("queue-next").disabled = queueOffset + entries.length >= total;
    $("queue-empty").textContent = queueQuery ? "No queued message matches." : "The queue is empty: everything accepted has been delivered.";
    $("queue-empty").classList.toggle("hidden", entries.length > 0);
    entries.forEach((entry) => {
      const state = entry.held ? "held" : entry.inProgress ? "sending" : "next " + age(Math.max(0,
        (Date.parse(entry.nextAttempt) - Date.now()) / 1000));
      const actions = el("td", null, "actions");
      const buttons = entry.held ? ["release", "bounce", "delete"] : ["hold", "retry", "bounce", "delete"];
      buttons.forEach((action) => {
        const button = el("button", action, action === "delete" || action === "bounce" ? "danger" : "");
        button.dataset.action = action;
        button.addEventListener("click", () => act(entry.id, action));
        actions.appendChild(button);
      });
      const tr = row([{ node: el("code", entry.id) }, age(entry.ageSeconds), entry.flow, "<" + entry.sender + ">",
        entry.recipients.join(", "), { text: state, className: "state " + state.split(" ")[0] }, entry.lastError || ""]);
      tr.id = "queue-" + entry.id;
      tr.appendChild(actions);
      body.appendChild(tr);
    });
  }

  $("queue-search-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    queueQuery = $("queue-search").value.trim();
    queueOffset = 0;
    renderQueue(await fetchQueue());
  });
  $("queue-previous").addEventListener("click", async () => {
    queueOffset = Math.max(0, queueOffset - QUEUE_PAGE);
    renderQueue(await fetchQueue());
  });
  $("queue-next").addEventListener("click", async () => {
    queueOffset += QUEUE_PAGE;
    renderQueue(await fetchQueue());
  });

  // The last 24 hours from the persistent hourly reports, so the page has history as soon as it
  // opens (and after a restart of the gateway), not only what it saw while open.
  async function loadHistory() {
    const until = new Date();
    const since = new Date(until.getTime() - 24 * 3600 * 1000);
    const params = new URLSearchParams({ by: "hour", since: since.toISOString(), until: until.toISOString() });
    const report = await api("/api/reports?" + params.toString()).then((r) => r.json());
    historyLoaded = Date.now();
    const first = Math.floor(since.getTime() / 3600000) * 3600;
    const hours = [];
    for (let t = first; t <= until.getTime() / 1000; t += 3600) hours.push(t);
    const flows = report.flows.map((f) => f.flow);
    const series = flows.map((flow) => hours.map((hour) => {
      const row = report.rows.find((r) => r.flow === flow && Date.parse(r.period) / 1000 === hour);
      return row ? row.messages : 0;
    }));
    const summary = $("history-summary");
    summary.replaceChildren();
    if (!flows.length) summary.appendChild(document.createTextNode("No mail in the last 24 hours."));
    report.flows.forEach((f, i) => {
      const part = el("span", f.flow + " " + f.messages + " messages, " + f.rejects + " rejects", "history-flow");
      part.dataset.flow = f.flow;
      part.dataset.messages = f.messages;
      part.style.color = colorOf(f.flow, i);
      summary.appendChild(part);
    });
    const rejects = {};
    report.flows.forEach((f) => { rejects[f.flow] = f.rejectsByReason; });
    renderRejects(rejects);
    const data = [hours].concat(series);
    const width = $("history").clientWidth || 900;
    if (!historyChart || historyChart.series.length !== flows.length + 1) {
      if (historyChart) historyChart.destroy();
      historyChart = new uPlot({
        width: width, height: 200,
        series: [{}].concat(flows.map((flow, i) => ({ label: flow, stroke: colorOf(flow, i), width: 2,
          fill: colorOf(flow, i) + "22", points: { show: true }, value: (u, v) => v == null ? "-" : v + "/h" }))),
        axes: [{}, { label: "messages/hour" }],
        scales: { y: { range: (u, min, max) => [0, Math.max(1, max * 1.2)] } },
      }, data, $("history"));
    } else {
      historyChart.setData(data);
    }
  }

  $("track-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const params = new URLSearchParams(new FormData($("track-form")));
    const response = await api("/api/track?" + params.toString());
    const result = await response.json();
    const out = $("track-results");
    out.replaceChildren();
    const timelines = Object.entries(result.timelines);
    if (!timelines.length && !result.refusals.length) out.appendChild(el("p", "Nothing found.", "muted"));
    timelines.forEach(([id, events]) => {
      const box = el("div", null, "timeline");
      box.appendChild(el("h4", id + "  from <" + events[0].sender + ">" + (events[0].messageId ? "  " + events[0].messageId : "")));
      events.forEach((e) => {
        const line = el("div", null, "event ev-" + e.event);
        line.appendChild(el("b", e.event));
        line.appendChild(document.createTextNode(" " + new Date(e.time).toLocaleString() + "  " +
          (e.recipients ? e.recipients.join(", ") + "  " : "") + (e.connector ? "via " + e.connector + "  " : "") + (e.reply || "")));
        box.appendChild(line);
      });
      out.appendChild(box);
    });
    result.refusals.forEach((e) => {
      const line = el("div", null, "event ev-REJECT");
      line.appendChild(el("b", "REJECT"));
      line.appendChild(document.createTextNode(" " + new Date(e.time).toLocaleString() + "  " + e.client +
        (e.helo ? "  helo " + e.helo : "") + (e.sender != null ? "  <" + e.sender + ">" : "") +
        (e.recipients && e.recipients.length ? "  to " + e.recipients.join(", ") : "") +
        (e.phase ? "  at " + e.phase + " by " + e.check : "") + "  (" + e.reason + ") " + e.reply));
      out.appendChild(line);
    });
  });

  async function refresh() {
    if (!token) {
      showLogin();
      return;
    }
    try {
      const [summary, queue, health] = await Promise.all([
        api("/api/summary").then((r) => r.json()),
        fetchQueue(),
        api("/health").then((r) => r.json()).catch(() => null),
        Date.now() - historyLoaded >= HISTORY_MS ? loadHistory().catch(() => null) : null,
      ]);
      renderFlows(summary);
      renderVolume(summary);
      renderTables(summary, health);
      renderQueue(queue);
      api("/api/cluster").then((r) => r.json()).then(renderCluster).catch(() => renderCluster(null));
      const pill = $("health");
      pill.textContent = health && health.ready ? "ready" : "not ready";
      pill.className = "pill " + (health && health.ready ? "ok" : "down");
      $("updated").textContent = "updated " + new Date().toLocaleTimeString();
    } catch (error) {
      if (error.message !== "unauthorised") {
        $("health").textContent = "unreachable";
        $("health").className = "pill down";
      }
    }
  }

  refresh();
  setInterval(() => { if (token && $("login").classList.contains("hidden")) refresh(); }, POLL_MS);
})();
