import type { ExportDescription } from './describe.js';

/** The web export's page and script: pick or drop a picture, see the top classes. No network. */

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function webIndexHtml(d: ExportDescription): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>petlab classifier: ${esc(d.classes.slice(0, 4).join(', '))}${d.classes.length > 4 ? ', …' : ''}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 16px system-ui, sans-serif; margin: 2em auto; max-width: 40em; padding: 0 1em; }
  #drop { border: 2px dashed #888; border-radius: 8px; padding: 2em; text-align: center; }
  #drop.over { background: #eef; }
  canvas { display: block; margin: 1em auto; max-width: 100%; }
  .row { display: flex; gap: .5em; align-items: center; margin: .2em 0; }
  .name { width: 12em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .bar { height: 1em; background: #47c; }
</style>
</head>
<body>
<h1>petlab classifier</h1>
<p>${d.classes.length} classes · backbone ${esc(d.backbone.name)}${d.backbone.fineTuned ? ' (fine-tuned)' : ''} · input ${d.input.shape[1]}×${d.input.shape[2]} (${esc(d.input.resize)}: ${esc(d.input.resizeHow)})</p>
<div id="drop">Drop a picture here, or <input type="file" id="file" accept="image/*"></div>
<p id="status">loading the model…</p>
<canvas id="view" width="${d.input.shape[2]}" height="${d.input.shape[1]}"></canvas>
<div id="result"></div>
<script src="tf.min.js"></script>
<script src="app.js"></script>
</body>
</html>
`;
}

/** Plain browser JavaScript (no build step): runs as it is in the page. */
export function webAppScript(): string {
  return `'use strict';
// petlab web export: the model takes float32 [N, H, W, 3] RGB 0-255 at its input size and returns
// softmax probabilities; the resize mode (fill / cover / crop) is petlab's, done here on a canvas.
(async function () {
  const status = document.getElementById('status');
  const view = document.getElementById('view');
  const result = document.getElementById('result');
  let model, info;
  try {
    info = await (await fetch('petlab-export.json')).json();
    model = await tf.loadLayersModel('model/model.json');
  } catch (e) {
    status.textContent = location.protocol === 'file:'
      ? 'Browsers do not let a page opened from a file read its model: serve this folder (e.g. python3 -m http.server) and open it from there.'
      : 'Cannot load the model: ' + e.message;
    return;
  }
  const [, h, w] = info.input.shape;
  status.textContent = 'ready: pick or drop a picture';

  function sourceRect(iw, ih) {
    if (info.input.resize === 'fill') return [0, 0, iw, ih];
    const side = Math.min(iw, ih) * (info.input.resize === 'crop' ? 0.875 : 1);
    return [(iw - side) / 2, (ih - side) / 2, side, side];
  }

  async function classify(img) {
    const ctx = view.getContext('2d');
    const [sx, sy, sw, sh] = sourceRect(img.naturalWidth || img.width, img.naturalHeight || img.height);
    ctx.drawImage(img, sx, sy, sw, sh, 0, 0, w, h);
    const probs = tf.tidy(() => model.predict(tf.browser.fromPixels(view).toFloat().expandDims(0)).dataSync());
    const top = Array.from(probs, (p, i) => ({ p, name: info.classes[i] })).sort((a, b) => b.p - a.p).slice(0, 5);
    result.innerHTML = '';
    for (const t of top) {
      const row = document.createElement('div');
      row.className = 'row';
      row.innerHTML = '<span class="name"></span><span class="bar"></span><span class="pct"></span>';
      row.querySelector('.name').textContent = t.name;
      row.querySelector('.bar').style.width = Math.round(t.p * 200) + 'px';
      row.querySelector('.pct').textContent = (t.p * 100).toFixed(1) + '%';
      result.appendChild(row);
    }
    status.textContent = 'top class: ' + top[0].name;
    document.body.dataset.top = top[0].name;
  }

  function load(file) {
    if (!file) return;
    const img = new Image();
    img.onload = () => classify(img).catch((e) => (status.textContent = 'error: ' + e.message));
    img.onerror = () => (status.textContent = 'not a picture this browser can read: ' + file.name);
    img.src = URL.createObjectURL(file);
  }

  document.getElementById('file').addEventListener('change', (e) => load(e.target.files[0]));
  const drop = document.getElementById('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); load(e.dataTransfer.files[0]); });
  // index.html?picture=URL classifies that picture at once (a link to share, a headless check)
  const given = new URLSearchParams(location.search).get('picture');
  if (given) {
    const img = new Image();
    img.onload = () => classify(img).catch((e) => (status.textContent = 'error: ' + e.message));
    img.onerror = () => (status.textContent = 'cannot load the picture ' + given);
    img.src = given;
  }
})();
`;
}
