// Live dashboards: one uPlot chart per metric, x in minutes since the page, a marker at the page.
import {el, formatT, formatValue, replaceChildren} from "/static/util.js";

const COLOURS = ["#58a6ff", "#3fb950", "#d29922", "#bc8cff", "#39c5cf", "#ff7b72", "#e3b341", "#79c0ff"];
const AXIS = {
  stroke: "#8b96a5",
  grid: {stroke: "#1f2731", width: 1},
  ticks: {stroke: "#2a3340", width: 1, size: 3},
  font: "10px system-ui, sans-serif",
};

/** Draws vertical markers: the page at x=0 and any extra [{x, colour, label}]. */
export function markerPlugin(getMarkers) {
  return {
    hooks: {
      draw: [(u) => {
        const {ctx} = u;
        const {top, height} = u.bbox;
        ctx.save();
        for (const m of getMarkers()) {
          const x = Math.round(u.valToPos(m.x, "x", true));
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.strokeStyle = m.colour;
          ctx.lineWidth = (m.width || 1) * devicePixelRatio;
          ctx.setLineDash(m.dash ? m.dash.map((d) => d * devicePixelRatio) : []);
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
          if (m.label) {
            ctx.fillStyle = m.colour;
            ctx.font = `${10 * devicePixelRatio}px system-ui, sans-serif`;
            ctx.fillText(m.label, x + 3 * devicePixelRatio, top + 10 * devicePixelRatio);
          }
        }
        ctx.restore();
      }],
    },
  };
}

export const PAGE_MARKER = {x: 0, colour: "#f85149", label: "page", dash: [4, 3], width: 1};

/**
 * The y axis: one width for every chart so their x axes line up, wider only when a
 * label needs it (uPlot calls this again as the labels change).
 */
function labelWidth(u, values) {
  if (!values || !values.length) return 60;
  return Math.max(60, Math.ceil(Math.max(...values.map((v) => String(v).length)) * 6.3) + 14);
}

/** x ticks: whole minutes as -20m, or (seconds between ticks) all as the game's +00:30. */
function minuteLabels(vals) {
  const whole = vals.every((v) => Math.abs(v - Math.round(v)) < 1e-9);
  return vals.map((v) => (whole ? `${Math.round(v)}m` : formatT(Math.round(v * 60))));
}

/** A y range that starts at 0 for non-negative data, 0-100 for percentages. */
function yRange(unit) {
  return (u, min, max) => {
    if (unit === "%") return [0, 100];
    if (min === null || max === null) return [0, 1];
    const low = Math.min(0, min);
    const high = max > low ? max + (max - low) * 0.08 : low + 1;
    return [low, high];
  };
}

/** Options for one metric's chart (shared with the debrief). */
export function chartOptions(metric, {width, height, colour, markers, window: windowMin, from, to}) {
  return {
    width,
    height,
    legend: {show: false},
    cursor: {drag: {x: false, y: false}, points: {size: 5}},
    scales: {
      x: {
        time: false,
        range: (u, min, max) => {
          if (min === null) return [from ?? -30, to ?? 0];
          if (from !== undefined && to !== undefined) return [from, to];
          if (!windowMin) return [min, max > min ? max : min + 1];
          // The last `windowMin` minutes (two thirds of it before the page at first), the
          // same for every chart whatever samples each has, so they line up.
          const high = Math.max(max, 0.25);
          return [Math.min(-windowMin * 2 / 3, high - windowMin), high];
        },
      },
      y: {range: yRange(metric.unit)},
    },
    axes: [
      {...AXIS, size: 20, values: (u, vals) => minuteLabels(vals)},
      {...AXIS, size: labelWidth, values: (u, vals) => vals.map((v) => formatValue(v, metric.unit))},
    ],
    series: [
      {label: "minutes since the page"},
      {
        label: metric.title,
        stroke: colour,
        width: 1.5,
        fill: colour + "22",
        points: {size: 4}, // uPlot's default shows them only where samples are sparse
        value: (u, v) => formatValue(v, metric.unit),
      },
    ],
    plugins: [markerPlugin(markers)],
  };
}

export function toSeries(points) {
  return [points.map((p) => p[0] / 60), points.map((p) => p[1])];
}

export class Dashboards {
  constructor(container) {
    this.container = container;
    this.charts = new Map(); // name -> {metric, points, plot, value, box}
    new ResizeObserver(() => this.resize()).observe(container);
  }

  /** All metrics, as GET /api/sessions/{id} gives them: (re)builds every chart. */
  render(metrics) {
    for (const chart of this.charts.values()) chart.plot.destroy();
    this.charts.clear();
    if (!metrics.length) {
      replaceChildren(this.container, el("p", {class: "empty"}, "No dashboards for this system."));
      return;
    }
    replaceChildren(this.container);
    metrics.forEach((metric, i) => {
      const value = el("span", {class: "chart-value"});
      const plotBox = el("div", {class: "chart-plot"});
      const box = el("figure", {class: "chart", role: "img", "aria-label": metric.title},
        el("figcaption", {class: "chart-head"},
          el("span", {class: "chart-title", title: metric.title}, metric.title),
          value),
        plotBox);
      box.style.margin = "4px 0 0";
      this.container.appendChild(box);
      const points = metric.points.slice();
      const options = chartOptions(metric, {
        width: Math.max(plotBox.clientWidth, 150),
        height: plotBox.clientHeight || 96,
        colour: COLOURS[i % COLOURS.length],
        markers: () => [PAGE_MARKER],
        window: 30,
      });
      const plot = new window.uPlot(options, toSeries(points), plotBox);
      const chart = {metric, points, plot, value, box, plotBox};
      this.charts.set(metric.name, chart);
      this.showValue(chart);
    });
    this.resize();
  }

  /** New samples: {name: [[t, value], ...]}. */
  append(pointsByName) {
    for (const [name, points] of Object.entries(pointsByName)) {
      const chart = this.charts.get(name);
      if (!chart || !points.length) continue;
      const last = chart.points.length ? chart.points[chart.points.length - 1][0] : -Infinity;
      for (const p of points) if (p[0] > last) chart.points.push(p);
      chart.plot.setData(toSeries(chart.points));
      this.showValue(chart);
    }
  }

  showValue(chart) {
    const last = chart.points[chart.points.length - 1];
    chart.value.textContent = last ? formatValue(last[1], chart.metric.unit) : "no data";
    chart.box.setAttribute("aria-label", `${chart.metric.title}: ${chart.value.textContent}`);
  }

  /** Charts share the panel's height (96 to 170 px each; the panel scrolls past that). */
  chartHeight() {
    const count = this.charts.size || 1;
    const each = Math.floor((this.container.clientHeight - 8) / count) - 26; // minus the caption
    return Math.max(96, Math.min(170, each));
  }

  resize() {
    const height = this.chartHeight();
    for (const chart of this.charts.values()) {
      chart.plotBox.style.height = `${height}px`;
      const width = Math.max(chart.plotBox.clientWidth, 150);
      if (width !== chart.plot.width || height !== chart.plot.height) chart.plot.setSize({width, height});
    }
  }
}
