/**
 * The live ops page: polls /metrics of the process that served it every second and draws the
 * figures (ops-metrics.js) as uPlot charts, newest on the right, for the last few minutes.
 */
import uPlot from "uplot";

import { figures, formatFigure, parseMetrics, Ring } from "./ops-metrics.js";

const POLL_MS = 1000;
const HISTORY = 600; // points kept per chart: ten minutes
const WAIT_WINDOW = 10; // scrapes: matchmaking waits of the matches found in the last 10 s
const METRICS_URL = new URLSearchParams(location.search).get("source") || "/metrics";

const COLORS = ["#2f7ed8", "#e4572e", "#29a36a", "#a05cc8", "#e0a100", "#6b7785"];

/**
 * The charts: a title, a unit, decimals, an optional note after the title, and the series
 * drawn as [label, `figures` key of ops-metrics.js]. Every chart spans the slowest engine
 * (maxima of percentiles) and the sum of every engine's players and matches.
 */
const CHARTS = [
  {
    title: "Engine tick duration",
    unit: "ms",
    digits: 2,
    note: (figure) => (figure?.tickBudgetMs ? `budget ${formatFigure(figure.tickBudgetMs)} ms` : ""),
    series: [
      ["p50", "tickP50Ms"],
      ["p99", "tickP99Ms"],
      ["max", "tickMaxMs"],
      ["start late p99", "lateP99Ms"],
    ],
  },
  {
    title: "Players and sockets",
    unit: "",
    series: [
      ["players (engines)", "players"],
      ["spectators (engines)", "spectators"],
      ["match sockets here", "matchSockets"],
      ["spectator sockets here", "spectatorSockets"],
      ["lobby sockets here", "lobbySockets"],
      ["matches", "matches"],
    ],
  },
  {
    title: "Messages per second",
    unit: "/s",
    series: [
      ["frames in", "framesIn"],
      ["frames out", "framesOut"],
      ["inputs to engines", "inputsForwarded"],
    ],
  },
  {
    title: "Dropped and throttled per second",
    unit: "/s",
    digits: 1,
    series: [
      ["inputs dropped (rate limit)", "framesDropped"],
      ["THROTTLED notices", "throttleNotices"],
      ["stale snapshots skipped", "snapshotsSkipped"],
      ["relay superseded", "relaySuperseded"],
      ["layer dropped", "layerDropped"],
      ["engine skipped", "publicationsSkipped"],
    ],
  },
  {
    title: "Queues",
    unit: "",
    series: [
      ["matchmaking queue", "queued"],
      ["ready checks", "readyChecks"],
      ["relay backlog", "relayBacklog"],
      ["engine publish backlog", "publishBacklog"],
    ],
  },
  {
    title: "Matchmaking wait",
    unit: "s",
    digits: 1,
    series: [
      ["longest waiting now", "oldestWait"],
      ["mean, matched in last 10 s", "meanWait"],
      ["p90, matched in last 10 s", "p90Wait"],
    ],
  },
  {
    title: "CPU",
    unit: "%",
    series: [
      ["this web process", "cpuProcess"],
      ["engine processes", "cpuEngines"],
    ],
  },
];

/** The tiles above the charts: a label, a figure and its decimals. */
const TILES = [
  ["players", "players", 0],
  ["spectators", "spectators", 0],
  ["matches", "matches", 0],
  ["engines", "engines", 0],
  ["tick p99 (ms)", "tickP99Ms", 2],
  ["frames in /s", "framesIn", 0],
  ["frames out /s", "framesOut", 0],
  ["inputs dropped /s", "framesDropped", 1],
  ["queued", "queued", 0],
  ["longest wait (s)", "oldestWait", 1],
];

const charts = [];
const times = new Ring(HISTORY);
const scrapes = [];

function buildTiles() {
  const container = document.getElementById("tiles");
  for (const [label, key] of TILES) {
    const tile = document.createElement("div");
    tile.className = "tile";
    tile.innerHTML = `<span class="tile-value" data-key="${key}">—</span><span class="tile-label"></span>`;
    tile.querySelector(".tile-label").textContent = label;
    container.append(tile);
  }
}

function chartSize(element) {
  const width = Math.max(280, element.clientWidth - 2);
  return { width, height: Math.round(Math.min(260, Math.max(160, width * 0.42))) };
}

function buildCharts() {
  const container = document.getElementById("charts");
  for (const spec of CHARTS) {
    const card = document.createElement("section");
    card.className = "chart";
    const title = document.createElement("h2");
    title.textContent = spec.unit && spec.unit !== "/s" ? `${spec.title} (${spec.unit})` : spec.title;
    const note = document.createElement("span");
    note.className = "note";
    title.append(" ", note);
    const plot = document.createElement("div");
    card.append(title, plot);
    container.append(card);
    const rings = spec.series.map(() => new Ring(HISTORY));
    const digits = spec.digits ?? 0;
    const options = {
      ...chartSize(card),
      cursor: { drag: { x: false, y: false } },
      scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [{}, { size: 56 }],
      series: [
        {
          label: "time",
          value: (_u, v, _s, idx) => (idx == null ? "now" : new Date(v * 1000).toLocaleTimeString()),
        },
        ...spec.series.map(([label], index) => ({
          label,
          stroke: COLORS[index % COLORS.length],
          width: 1.5,
          spanGaps: false,
          // the value under the cursor, or the newest one when the cursor is elsewhere
          value: (u, v, s, idx) => formatFigure(idx == null ? u.data[s].at(-1) : v, digits),
        })),
      ],
    };
    const chart = new uPlot(options, [[], ...rings.map(() => [])], plot);
    charts.push({ spec, rings, chart, card, note });
  }
  const resize = new ResizeObserver(() => {
    for (const { chart, card } of charts) chart.setSize(chartSize(card));
  });
  resize.observe(container);
}

function showStatus(text, kind) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.dataset.kind = kind;
}

function render(figure, at) {
  times.push(at);
  for (const { spec, rings, chart, note } of charts) {
    spec.series.forEach(([, key], index) => rings[index].push(figure?.[key] ?? null));
    chart.setData([times.values, ...rings.map((ring) => ring.values)]);
    if (chart.legend.idx == null) chart.setLegend(); // show the newest values
    if (spec.note && figure) note.textContent = spec.note(figure);
  }
  for (const element of document.querySelectorAll(".tile-value")) {
    const digits = TILES.find(([, key]) => key === element.dataset.key)?.[2] ?? 0;
    element.textContent = formatFigure(figure?.[element.dataset.key] ?? null, digits);
  }
}

async function poll() {
  const at = Date.now() / 1000;
  try {
    const response = await fetch(METRICS_URL, { cache: "no-store" });
    if (!response.ok) throw new Error(`${METRICS_URL} answered ${response.status}`);
    const scrape = { at, samples: parseMetrics(await response.text()).samples };
    scrapes.push(scrape);
    if (scrapes.length > WAIT_WINDOW + 1) scrapes.shift();
    const figure = figures(scrape, scrapes.at(-2), scrapes[0] === scrape ? null : scrapes[0]);
    render(figure, at);
    const registry = figure.registryUp === 0 ? " · engine registry unreachable" : "";
    const engine = figure.engineMode ? `${figure.engineMode} engine` : "";
    showStatus(
      `${METRICS_URL} · ${engine} · ${new Date(at * 1000).toLocaleTimeString()}${registry}`,
      registry ? "warn" : "ok",
    );
  } catch (error) {
    scrapes.length = 0; // rates restart after a gap
    render(null, at);
    showStatus(`no metrics: ${error.message}`, "error");
  }
}

function loop() {
  const started = Date.now();
  poll().finally(() => setTimeout(loop, Math.max(0, POLL_MS - (Date.now() - started))));
}

buildTiles();
buildCharts();
loop();
