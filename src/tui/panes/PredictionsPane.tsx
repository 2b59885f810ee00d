/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * Predictions pane: the picture, its top-5 classes as bars with probabilities, the true label when
 * known and right/wrong at a glance. Works on the Dataset pane's selection (alt+p) and on a typed
 * file path (enter here, Tab completes). g draws Grad-CAM over the picture (where the evidence for
 * the predicted class is), c moves it to the next of the top classes.
 */
import { Box, Text } from 'ink';
import path from 'node:path';
import { useEffect, useState } from 'react';
import { useLiveState } from '../hooks/live-state.js';
import type { GradCamOutcome } from '../../core/session.js';
import { bar, pct } from '../../text/format.js';
import { isEnabled } from '../actions.js';
import { TextField, useTextField } from '../components/TextField.js';
import { fit } from '../components/text.js';
import { useController, useLayout, useStore, useWorkbench } from '../contexts.js';
import { usePaneKeys } from '../hooks/pane-keys.js';
import type { PredictionView } from '../state/types.js';
import { ImageBox } from '../components/ImageBox.js';
import type { WorkbenchController } from '../controller/controller.js';
import { halfBlockLines } from '../image/halfblock.js';
import type { PaneProps } from './registry.js';

export function verdict(p: PredictionView): { text: string; color: string } | undefined {
  if (!p.label || !p.top.length) return undefined;
  return p.top[0].className === p.label
    ? { text: `✓ right — true label ${p.label}`, color: 'green' }
    : { text: `✗ wrong — true label ${p.label}`, color: 'red' };
}

function Bars({ p, width }: { p: PredictionView; width: number }) {
  const nameW = Math.min(Math.max(...p.top.map((t) => t.className.length), 4), Math.max(6, Math.floor(width * 0.4)));
  const barW = Math.max(4, width - nameW - 9);
  return (
    <Box flexDirection="column" width={width}>
      {p.top.map((t, i) => {
        const isTrue = p.label !== undefined && t.className === p.label;
        const color = i === 0 ? (p.label === undefined ? 'cyan' : isTrue ? 'green' : 'red') : isTrue ? 'green' : undefined;
        return (
          <Text key={t.className} wrap="truncate" bold={i === 0}>
            <Text color={color}>{fit(t.className, nameW)}</Text> <Text color={color}>{bar(t.probability, barW)}</Text> {pct(t.probability, 1).padStart(6)}
          </Text>
        );
      })}
    </Box>
  );
}

type CamLines = { status: 'loading' } | { status: 'ready'; lines: string[]; cam: GradCamOutcome } | { status: 'error'; error: string };

const camCache = new Map<string, Promise<GradCamOutcome>>();

/** Grad-CAM of a file for a class (undefined: the predicted one), drawn over the picture in cols × rows cells. */
function useGradCamLines(
  controller: WorkbenchController,
  file: string | undefined,
  className: string | undefined,
  version: string,
  cols: number,
  rows: number,
): CamLines | undefined {
  const ok = file !== undefined && cols >= 4 && rows >= 2;
  const key = ok ? JSON.stringify([file, className, version, cols, rows]) : '';
  const [state, setState] = useState<{ key: string; value: CamLines } | undefined>(undefined);
  useEffect(() => {
    if (!ok) return;
    let live = true;
    const timer = setTimeout(() => {
      const ck = JSON.stringify([file, className, version]);
      let p = camCache.get(ck);
      if (!p) {
        p = controller.gradCam(file!, className);
        if (camCache.size > 32) camCache.delete(camCache.keys().next().value!);
        camCache.set(ck, p);
        p.catch(() => camCache.delete(ck));
      }
      p.then(async (cam) => {
        const [{ modelViewImage }, { overlayHeatmap }] = await Promise.all([
          import('../../core/explain/model-view.js'),
          import('../../core/explain/overlay.js'),
        ]);
        const img = await modelViewImage(file!, controller.resize, Math.max(2, Math.min(cols, rows * 2)));
        const lines = halfBlockLines(overlayHeatmap(img, cam.cam, cam.camHeight, cam.camWidth), cols);
        if (live) setState({ key, value: { status: 'ready', lines, cam } });
      }).catch((e: Error) => live && setState({ key, value: { status: 'error', error: e.message } }));
    }, 40);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  if (!ok) return undefined;
  return state?.key === key ? state.value : { status: 'loading' };
}

/** The picture with its Grad-CAM, captioned with the class and the layer. */
function GradCamBox({ file, className, width, height }: { file: string; className?: string; width: number; height: number }) {
  const controller = useController();
  const version = useWorkbench((s) => `${s.backbone.view?.name}:${s.model?.dir}:${s.model?.epochsDone}:${s.model?.id}`);
  const rows = Math.max(0, height - 1);
  const cam = useGradCamLines(controller, file, className, version, width, rows);
  let body;
  let caption = '';
  if (!cam || cam.status === 'loading') body = <Text dimColor>{fit('Grad-CAM: computing…', width)}</Text>;
  else if (cam.status === 'error') body = <Text color="red" wrap="wrap">{`Grad-CAM: ${cam.error}`}</Text>;
  else {
    body = cam.lines.map((l, i) => <Text key={i}>{l}</Text>);
    const p = cam.cam.top.find((t) => t.className === cam.cam.className)?.probability ?? cam.cam.probabilities[cam.cam.classIndex];
    caption = `Grad-CAM: ${cam.cam.className} (${pct(p, 1)}) at ${cam.cam.layer}`;
  }
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Box flexDirection="column" height={rows} justifyContent="center">
        {body}
      </Box>
      <Text wrap="truncate" color="magenta">
        {fit(caption, width)}
      </Text>
    </Box>
  );
}

export function PredictionsPane({ id, width, height }: PaneProps) {
  const p = useWorkbench((s) => s.prediction);
  const hasModel = useWorkbench((s) => s.model !== undefined);
  const gradCam = useWorkbench((s) => s.gradCam);
  const store = useStore();
  const controller = useController();
  const { layout } = useLayout();
  const [typing, setTyping, typingNow] = useLiveState(false);
  const field = useTextField({
    paths: true,
    initial: p ? path.dirname(p.file) + '/' : '',
    onSubmit: (v) => {
      setTyping(false);
      if (!v) return;
      const ok = isEnabled('predict', { state: { ...store.get(), selection: { file: v, label: '' } }, layout });
      if (ok !== true) store.flash(ok, 'warn');
      else void controller.predict(v);
    },
    onCancel: () => setTyping(false),
  });
  usePaneKeys(
    id,
    (e) => {
      if (typingNow.current) return field.handle(e);
      if (e.action === 'select') {
        setTyping(true);
        return true;
      }
      if (e.action === 'gradcam' || e.action === 'gradcamClass') {
        const why = !hasModel
          ? 'Grad-CAM: no trained model yet — alt+t trains one'
          : !p || !p.top.length
            ? 'Grad-CAM: no prediction yet — alt+p predicts one first'
            : undefined;
        if (why) {
          store.flash(why, 'warn');
          return true;
        }
        if (e.action === 'gradcam') {
          store.update((s) => ({ ...s, gradCam: { ...s.gradCam, on: !s.gradCam.on } }));
          return true;
        }
        // the next of the top classes (from the predicted one)
        const names = p!.top.map((t) => t.className);
        const at = gradCam.on ? names.indexOf(gradCam.className ?? names[0]) : -1;
        const next = names[(at + 1) % names.length];
        store.update((s) => ({ ...s, gradCam: { on: true, className: next === names[0] ? undefined : next } }));
        return true;
      }
      return false;
    },
    {
      capturesText: typing,
      hints: typing ? ['enter predict', 'tab complete', 'esc cancel'] : ['enter type a path', `g Grad-CAM ${gradCam.on ? 'off' : 'on'}`, 'c class'],
    },
  );

  const input = typing && <TextField label="image: " field={field} width={width} maxCandidates={Math.max(0, Math.min(6, height - 3))} />;
  if (!p) {
    return (
      <Box flexDirection="column" width={width} height={height}>
        {input}
        <Text dimColor wrap="wrap">
          {hasModel
            ? 'No prediction yet: select an image in the Dataset pane and press alt+p, or press enter here to type a file path.'
            : 'No trained model yet: alt+t trains one, then alt+p predicts the image selected in the Dataset pane (or enter here: a file path).'}
        </Text>
      </Box>
    );
  }
  const v = verdict(p);
  const textLines = (p.top.length || 1) + 2 + (p.model ? 1 : 0) + (typing ? 1 + Math.min(field.candidates.length, 6) : 0);
  const side = width >= 60;
  const imgW = side ? Math.min(Math.floor(width * 0.45), (height - 1) * 2 + 2) : width;
  const imgH = side ? height - (typing ? 1 : 0) : Math.max(0, height - textLines);
  const textW = side ? width - imgW - 2 : width;
  const details = (
    <Box flexDirection="column" width={textW} flexShrink={0}>
      <Text bold wrap="truncate">
        {fit(path.basename(p.file), textW)}
      </Text>
      {v ? (
        <Text color={v.color} bold wrap="truncate">
          {fit(v.text, textW)}
        </Text>
      ) : (
        <Text dimColor wrap="truncate">
          {fit(p.busy ? 'predicting…' : p.error ? '' : 'true label unknown (not from the dataset)', textW)}
        </Text>
      )}
      {p.model && (
        <Text dimColor wrap="truncate">
          {fit(`model ${p.model.text}`, textW)}
        </Text>
      )}
      {p.error ? (
        <Text color="red" wrap="wrap">
          {p.error}
        </Text>
      ) : (
        <Bars p={p} width={textW} />
      )}
    </Box>
  );
  const caption = path.dirname(p.file);
  const picture =
    gradCam.on && hasModel ? (
      <GradCamBox file={p.file} className={gradCam.className} width={imgW} height={imgH} />
    ) : (
      <ImageBox file={p.file} caption={caption} width={imgW} height={imgH} />
    );
  return (
    <Box flexDirection="column" width={width} height={height}>
      {input}
      {side ? (
        <Box flexDirection="row">
          {imgH >= 3 && picture}
          <Box width={2} flexShrink={0} />
          {details}
        </Box>
      ) : (
        <>
          {details}
          {imgH >= 3 && picture}
        </>
      )}
    </Box>
  );
}
