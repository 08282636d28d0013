// The dashboard's charts, drawn by the vendored Chart.js (window.Chart, vendor/chart.js-4.6.1): lines
// of (x, y) points and bars with error bars. No animation, one fixed palette.
const Chart = window.Chart;
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.font.family = "'DejaVu Sans', sans-serif";

/** Series colours, in order (tests look for them on the canvas). */
export const palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

const drawn = new WeakMap(); // canvas -> the JSON of what it shows, so that a refresh redraws only on change

function draw(canvas, config) {
  const signature = JSON.stringify(config.data);
  if (drawn.get(canvas) === signature) return;
  drawn.set(canvas, signature);
  Chart.getChart(canvas)?.destroy();
  new Chart(canvas, config);
}

/**
 * Lines through (x, y) points.
 * @param series [{ label, points: [{x, y}], color, dashed?, axis?: "y" | "y2", inLegend?: boolean }]
 * @param axes { x: title, y: title, y2?: title of a right-hand axis }
 */
export function lineChart(canvas, series, axes) {
  const scales = {
    x: { type: "linear", title: { display: true, text: axes.x } },
    y: { type: "linear", position: "left", title: { display: true, text: axes.y } },
  };
  if (axes.y2) scales.y2 = { type: "linear", position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: axes.y2 } };
  draw(canvas, {
    type: "scatter",
    data: {
      datasets: series.map(s => ({
        label: s.label, data: s.points, showLine: true, yAxisID: s.axis ?? "y",
        borderColor: s.color, backgroundColor: s.color, borderWidth: 2, pointRadius: 3,
        borderDash: s.dashed ? [6, 4] : [], inLegend: s.inLegend ?? true,
      })),
    },
    options: {
      scales,
      plugins: { legend: { labels: { boxHeight: 3, filter: (item, data) => data.datasets[item.datasetIndex].inLegend } } },
    },
  });
}

/** Error bars (dataset.errors[i] either side of dataset.data[i]) over a bar chart's bars. */
const errorBars = {
  id: "errorBars",
  afterDatasetsDraw(chart) {
    const { ctx, scales: { y } } = chart;
    chart.data.datasets.forEach((dataset, i) => {
      chart.getDatasetMeta(i).data.forEach((bar, j) => {
        const error = dataset.errors?.[j];
        if (!(error > 0)) return;
        const top = y.getPixelForValue(dataset.data[j] + error), bottom = y.getPixelForValue(dataset.data[j] - error);
        ctx.save();
        ctx.strokeStyle = "#333";
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(bar.x, top); ctx.lineTo(bar.x, bottom);
        ctx.moveTo(bar.x - 6, top); ctx.lineTo(bar.x + 6, top);
        ctx.moveTo(bar.x - 6, bottom); ctx.lineTo(bar.x + 6, bottom);
        ctx.stroke();
        ctx.restore();
      });
    });
  },
};

/**
 * One bar per label with its error bar.
 * @param bars [{ label, value, error, color }]
 */
export function barChart(canvas, bars, axisTitle) {
  draw(canvas, {
    type: "bar",
    data: {
      labels: bars.map(b => b.label),
      datasets: [{
        label: axisTitle, data: bars.map(b => b.value), errors: bars.map(b => b.error),
        backgroundColor: bars.map(b => b.color), borderColor: bars.map(b => b.color),
      }],
    },
    options: {
      // Room above the tallest error bar.
      scales: { y: { beginAtZero: true, suggestedMax: Math.max(0, ...bars.map(b => b.value + (b.error ?? 0))), title: { display: true, text: axisTitle } } },
      plugins: { legend: { display: false } },
    },
    plugins: [errorBars],
  });
}
