// Admin overview charts: drawn here into SVG from the figures the page carries (#overview's data-overview,
// the JSON of GET /admin/api/overview). No library and nothing fetched: the page works offline and under
// the admin pages' CSP (no inline script or style; colours come from classes in admin.css).
(() => {
  'use strict';
  const root = document.getElementById('overview');
  if (!root) return;
  const data = JSON.parse(root.dataset.overview);
  const NS = 'http://www.w3.org/2000/svg';
  const WIDTH = 720;

  function node(name, attributes, text) {
    const element = document.createElementNS(NS, name);
    for (const [key, value] of Object.entries(attributes || {})) element.setAttribute(key, String(value));
    if (text !== undefined) element.textContent = text;
    return element;
  }

  const number = (value) => value.toLocaleString('en-US', { maximumFractionDigits: 1 });
  const short = (value) => value >= 1e6 ? number(value / 1e6) + 'M' : value >= 1e4 ? number(value / 1e3) + 'k' : number(value);
  const clip = (text, length) => text.length > length ? text.slice(0, length - 1) + '…' : text;

  // The value axis of counts: four steps or fewer of 1, 2 or 5 times a power of ten (whole numbers), from 0 to a top at or above the largest value.
  function axis(value) {
    const rough = Math.max(1, value / 4);
    const power = Math.pow(10, Math.floor(Math.log10(rough)));
    const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough);
    return { step, top: Math.max(step, Math.ceil(value / step) * step) };
  }

  function frame(host, height) {
    const svg = node('svg', { viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', class: 'chart-svg' });
    const label = host.dataset.labelledby;
    if (label) svg.setAttribute('aria-labelledby', label);
    host.replaceChildren(svg);
    return svg;
  }

  function legend(host, series) {
    const list = document.createElement('ul');
    list.className = 'legend';
    for (const s of series) {
      const item = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = 'swatch ' + s.tone;
      item.append(swatch, document.createTextNode(s.name));
      list.append(item);
    }
    host.append(list);
  }

  function empty(svg, height, text) {
    svg.append(node('text', { x: WIDTH / 2, y: height / 2, class: 'empty', 'text-anchor': 'middle' }, text));
  }

  // Columns per day: the series side by side, or stacked.
  function columns(host, { labels, series, stacked }) {
    const height = 240, left = 52, right = 8, top = 10, bottom = 28;
    const svg = frame(host, height);
    const plotWidth = WIDTH - left - right, plotHeight = height - top - bottom;
    const sums = labels.map((_, i) => stacked
      ? series.reduce((sum, s) => sum + s.values[i], 0)
      : Math.max(0, ...series.map((s) => s.values[i])));
    const scale = axis(Math.max(0, ...sums));
    const y = (value) => top + plotHeight - (value / scale.top) * plotHeight;

    for (let value = 0; value <= scale.top; value += scale.step) {
      svg.append(node('line', { x1: left, x2: WIDTH - right, y1: y(value), y2: y(value), class: value === 0 ? 'axis' : 'grid' }));
      svg.append(node('text', { x: left - 6, y: y(value) + 4, 'text-anchor': 'end', class: 'tick' }, short(value)));
    }
    const band = plotWidth / Math.max(1, labels.length);
    const group = band * 0.8;
    const every = Math.ceil(labels.length / 12);
    labels.forEach((label, i) => {
      let base = 0;
      series.forEach((s, j) => {
        const value = s.values[i];
        if (!value) return;
        const width = stacked ? group : group / series.length;
        const x = left + i * band + (band - group) / 2 + (stacked ? 0 : j * width);
        const from = stacked ? base : 0;
        const bar = node('rect', { x, y: y(from + value), width: Math.max(1, width - 1), height: y(from) - y(from + value), class: 'bar ' + s.tone });
        bar.append(node('title', {}, `${label} · ${s.name}: ${number(value)}`));
        svg.append(bar);
        if (stacked) base += value;
      });
      if (i % every === 0)
        svg.append(node('text', { x: left + i * band + band / 2, y: height - 10, 'text-anchor': 'middle', class: 'tick' }, label.slice(5)));
    });
    if (sums.every((sum) => sum === 0)) empty(svg, height, 'Nothing in this range');
    legend(host, series);
  }

  // One horizontal bar per row (a label, a value, optionally a link).
  function rows(host, { items, unit }) {
    const rowHeight = 28, left = 230, right = 90, top = 6;
    const height = Math.max(1, items.length) * rowHeight + top * 2;
    const svg = frame(host, height);
    if (items.length === 0) {
      empty(svg, height, 'Nothing in this range');
      return;
    }
    const max = Math.max(...items.map((item) => item.value)) || 1;
    const scale = (value) => (value / max) * (WIDTH - left - right);
    const show = (value) => (value < 10 && unit ? value.toFixed(2) : number(value)) + unit;
    items.forEach((item, i) => {
      const y = top + i * rowHeight;
      const group = item.href ? node('a', { href: item.href }) : node('g');
      // A link's whole row takes the click, not only its painted text and bar (the gaps between them and a
      // one-pixel bar would otherwise fall through to the chart).
      if (item.href) group.append(node('rect', { x: 0, y, width: WIDTH, height: rowHeight, class: 'hit' }));
      group.append(node('text', { x: left - 8, y: y + rowHeight / 2 + 4, 'text-anchor': 'end', class: 'label' }, clip(item.label, 30)));
      const bar = node('rect', { x: left, y: y + 4, width: Math.max(1, scale(item.value)), height: rowHeight - 8, class: 'bar ' + (item.tone || 't0') });
      bar.append(node('title', {}, `${item.label}: ${show(item.value)}`));
      group.append(bar);
      group.append(node('text', { x: left + scale(item.value) + 6, y: y + rowHeight / 2 + 4, class: 'value' }, show(item.value)));
      svg.append(group);
    });
  }

  const days = data.days.map((d) => d.day);
  const charts = {
    activity: (host) => columns(host, {
      labels: days,
      series: [
        { name: 'Threads', tone: 't0', values: data.days.map((d) => d.threads) },
        { name: 'Turns', tone: 't1', values: data.days.map((d) => d.turns) },
      ],
    }),
    tokens: (host) => columns(host, {
      labels: days,
      stacked: true,
      series: data.models.map((model, i) => ({
        name: model || '(unknown model)',
        tone: 't' + (i % 6),
        values: data.days.map((d) => d.tokens.filter((t) => t.model === model).reduce((sum, t) => sum + t.prompt_tokens + t.completion_tokens, 0)),
      })),
    }),
    feedback: (host) => columns(host, {
      labels: days,
      stacked: true,
      series: [
        { name: 'Positive', tone: 'positive', values: data.days.map((d) => d.positive) },
        { name: 'Negative', tone: 'negative', values: data.days.map((d) => d.negative) },
      ],
    }),
    errors: (host) => rows(host, {
      unit: '',
      items: data.errors.map((e) => ({ label: e.code || '(no code)', value: e.count, tone: 'negative' })),
    }),
    slowest: (host) => rows(host, {
      unit: ' s',
      items: data.slowest_threads.map((t) => ({
        label: (t.title || '(untitled)') + ' · ' + t.user_id,
        value: t.slowest_turn_seconds,
        href: '/admin/threads/' + encodeURIComponent(t.id),
        tone: 't2',
      })),
    }),
  };

  for (const host of root.querySelectorAll('[data-chart]')) charts[host.dataset.chart](host);
})();
