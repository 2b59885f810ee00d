/** The controller's datasets: the one to open at start, a folder, a download, the flags that re-split. */
import path from 'node:path';
import { errorText } from './base.js';
import { describeFlags } from './train-flags.js';
import { ControllerBase } from './base.js';

export class DataController extends ControllerBase {
  /** Open the dataset at once; start TensorFlow (worker threads) in the background. */
  start(): Promise<void> {
    if (this.opts.model) this.store.update((s) => ({ ...s, modelComing: true }));
    const data = this.openInitialDataset();
    this.initialData = data;
    this.sessionPromise = this.openSession();
    return data;
  }

  protected async openInitialDataset(): Promise<void> {
    if (this.opts.data) return this.openDataset(this.opts.data);
    const name = this.opts.settings.dataset;
    try {
      const status = this.deps.datasetStatus ?? (await import('../../core/registry/datasets.js')).datasetStatus;
      const st = await status(name, this.opts.cacheDir);
      if (st.ready) return this.openDataset(st.dataDir);
      let title: string | undefined;
      try {
        title = (await import('../../core/registry/datasets.js')).getDatasetEntry(name).title;
      } catch {
        title = undefined;
      }
      this.store.update((s) => ({ ...s, dataset: { status: 'missing', missing: { name, title, bytes: st.downloadBytes, dataDir: st.dataDir } } }));
    } catch (e) {
      this.store.update((s) => ({ ...s, dataset: { status: 'failed', error: errorText(e) } }));
    }
  }

  async openDataset(dir: string): Promise<void> {
    const root = path.resolve(dir);
    this.store.update((s) => ({ ...s, dataset: { status: 'scanning', root }, selection: undefined }));
    try {
      const scan = this.deps.scan ?? (await import('../../core/data/scan.js')).scanDataset;
      const valFraction = this.s.trainFlags['val-split'] !== undefined ? Number(this.s.trainFlags['val-split']) : this.opts.settings.valSplit;
      const seed = this.s.trainFlags.seed !== undefined ? Number(this.s.trainFlags.seed) : this.opts.settings.seed;
      const ds = await scan(root, { valFraction, seed });
      this.store.update((s) => ({ ...s, dataset: { status: 'ready', root: ds.root, ds } }));
      if (ds.skipped.length)
        this.store.log('warn', `${ds.skipped.length} file${ds.skipped.length > 1 ? 's' : ''} skipped in ${ds.root} (see the Dataset pane)`);
      if (ds.review) {
        // the review's decisions the reader applied (.petlab-review.json in the dataset folder)
        const { reviewSummary } = await import('../../core/data/review-decisions.js');
        const missing = ds.review.missing;
        this.store.log(
          missing.length ? 'warn' : 'info',
          `${reviewSummary(ds)}${missing.length ? `: not there any more: ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}` : ''}`,
        );
      }
    } catch (e) {
      this.store.update((s) => ({ ...s, dataset: { status: 'failed', root, error: errorText(e) } }));
      this.store.flash(`data: ${errorText(e)}`, 'error');
    }
  }

  /** Download the default dataset (progress shows in the Training log), then open it. */
  downloadDataset(): Promise<void> {
    const missing = this.s.dataset.missing!;
    this.download = new AbortController();
    const signal = this.download.signal;
    this.store.update((s) => ({ ...s, dataset: { ...s.dataset, downloadError: undefined } }));
    return this.runTask('download', async () => {
      const get = this.deps.getDataset ?? (await import('../../core/download/datasets.js')).getDataset;
      let dir: string;
      try {
        dir = await get(missing.name, { cacheDir: this.opts.cacheDir, mirror: this.opts.settings.mirror || undefined, onEvent: this.store.onEvent, signal });
      } catch (e) {
        // the Dataset pane shows all of it (the log line is cut to the pane's width) and what to do next
        if (!signal.aborted) {
          const err = e as { message?: string; hint?: string };
          const cacheDir = (await import('../../core/download/cache-layout.js')).datasetDir(this.opts.cacheDir, missing.name);
          this.store.update((s) => ({ ...s, dataset: { ...s.dataset, downloadError: { message: err?.message ?? String(e), hint: err?.hint, cacheDir } } }));
        }
        throw e;
      } finally {
        this.download = undefined;
      }
      await this.openDataset(dir);
    });
  }

  setTrainFlags(flags: Record<string, string>): void {
    const rescan = 'val-split' in flags || 'seed' in flags;
    this.store.update((s) => ({ ...s, trainFlags: { ...s.trainFlags, ...flags } }));
    this.store.log('info', `next training: ${describeFlags(this.s.trainFlags)}`);
    if (rescan && this.s.dataset.root && this.s.dataset.status === 'ready') void this.openDataset(this.s.dataset.root);
  }
}
