/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * Review pane (alt+r): the pictures whose label the cross-validated model doubts, one at a time,
 * inline with the label they have and the one suggested. a accepts (the picture moves into the
 * suggested class's folder), p picks another class to move it into (a short list: j/k, enter, esc),
 * s keeps the label, x excludes it (the file stays; the journal leaves it out of the dataset), j/k
 * next/previous, u undoes the last decision.
 */
import { Box, Text } from 'ink';
import path from 'node:path';
import { useMemo, useState } from 'react';
import { isEnabled } from '../actions.js';
import { fit } from '../components/text.js';
import { useController, useLayout, useStore, useWorkbench } from '../contexts.js';
import { usePaneKeys } from '../hooks/pane-keys.js';
import { ImageBox } from '../components/ImageBox.js';
import { LabelPicker } from './LabelPicker.js';
import type { PaneProps } from './registry.js';

export function ReviewPane({ id, width, height }: PaneProps) {
  const r = useWorkbench((s) => s.review);
  const running = useWorkbench((s) => s.task?.kind === 'review');
  const progress = useWorkbench((s) => (s.task?.kind === 'review' ? s.progress : undefined));
  const store = useStore();
  const controller = useController();
  const { layout } = useLayout();
  const cur = r?.suspects[r.pos];
  const classes = useWorkbench((s) => s.dataset.ds?.classes);
  // p: the classes it could move into instead (its own left out), shown in place of the pictures
  const [picking, setPicking] = useState<{ file: string; sel: number } | undefined>();
  const choices = cur && classes ? classes.filter((c) => c !== cur.label) : [];
  const pick = picking && cur && picking.file === cur.file && choices.length ? { sel: Math.min(picking.sel, choices.length - 1) } : undefined;
  // its nearest pictures in the label it has and in the one suggested: which does it look like?
  const near = useMemo(() => (r ? controller.reviewNeighbours(r.pos) : {}), [controller, r]);
  /** Why a key does nothing yet: no review, or why alt+r cannot run one now. */
  const noReview = (verb: string) => {
    const why = isEnabled('review', { state: store.get(), layout });
    store.flash(
      running
        ? `${verb}: the review is still running…`
        : why === true
          ? `${verb}: no review yet — alt+r reviews the dataset`
          : `${verb}: no review yet (${why})`,
      'warn',
    );
  };
  usePaneKeys(
    id,
    (e) => {
      const acts = e.actions ?? (e.action ? [e.action] : []);
      if (pick && cur) {
        // the list has the keys until enter moves the picture or esc backs out
        const sel = pick.sel + (acts.includes('down') ? 1 : acts.includes('up') ? -1 : 0);
        if (acts.includes('back')) setPicking(undefined);
        else if (acts.includes('select')) {
          setPicking(undefined);
          void controller.reviewAccept(choices[pick.sel]);
        } else setPicking({ file: cur.file, sel: Math.max(0, Math.min(choices.length - 1, sel)) });
        return true;
      }
      const act = ['down', 'right', 'up', 'left', 'apply', 'relabel', 'skip', 'exclude', 'undo'].find((a) => acts.includes(a));
      if (!act) return false;
      // the journal in the dataset folder: u undoes a move made before a restart too
      if (act === 'undo') {
        void controller.reviewUndo();
        return true;
      }
      if (!r || !cur) {
        noReview(act === 'apply' ? 'accept' : act === 'skip' ? 'keep' : act === 'relabel' ? 'move' : act);
        return true;
      }
      if (act === 'relabel') {
        if (cur.decision === 'excluded') store.flash('move: it is excluded from the dataset (u undoes that first)', 'warn');
        else if (cur.decision === 'accepted') store.flash(`move: already moved to ${cur.movedTo ?? cur.suggested} (u undoes it)`, 'warn');
        else setPicking({ file: cur.file, sel: Math.max(0, choices.indexOf(cur.suggested)) });
        return true;
      }
      if (act === 'down' || act === 'right') controller.reviewStep(1);
      else if (act === 'up' || act === 'left') controller.reviewStep(-1);
      else if (act === 'apply') void controller.reviewAccept();
      else if (act === 'skip') controller.reviewKeep();
      else if (act === 'exclude') void controller.reviewExclude();
      return true;
    },
    {
      hints: pick
        ? ['j/k choose', 'enter move', 'esc back']
        : r
          ? ['a accept', 'p other label', 's keep', 'x exclude', 'j/k next/prev', `u undo${r.journal.length ? ` (${r.journal.length})` : ''}`]
          : ['alt+r review'],
    },
  );

  if (!r || !cur) {
    const text = running
      ? `reviewing the dataset…${progress ? ` ${progress.detail ?? `${progress.done}/${progress.total}`}` : ''}`
      : r
        ? 'the review found nothing to show'
        : 'alt+r reviews the dataset: a head is trained on each of 5 folds of the cached embeddings, so every picture is judged by a model that never saw its label. The pictures it doubts appear here one at a time: a moves one into the suggested class folder, s keeps its label, u undoes (even after a restart: the moves are journaled in the dataset folder).';
    return (
      <Box flexDirection="column" width={width} height={height}>
        <Text dimColor wrap="wrap">
          {text}
        </Text>
      </Box>
    );
  }
  const rel = (f: string) => path.relative(r.root, f) || f;
  const head = `suspect ${r.pos + 1}/${r.suspects.length} · score ${cur.score.toFixed(2)} · ${r.pictures} pictures, ${r.folds}-fold, ${(r.accuracy * 100).toFixed(1)}% agree · ${r.duplicates} duplicate pair${r.duplicates === 1 ? '' : 's'}${r.leaks ? ` (${r.leaks} across splits)` : ''}`;
  const decided =
    cur.decision === 'accepted'
      ? `✓ moved to ${cur.movedTo ?? cur.suggested}`
      : cur.decision === 'kept'
        ? '· kept as it is'
        : cur.decision === 'excluded'
          ? '✕ excluded (the file stays; the dataset leaves it out)'
          : '';
  const caption = `${rel(cur.file)}`;
  const imgH = Math.max(2, height - 3);
  const sideW = Math.floor(width * 0.4);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate" dimColor>
        {fit(head, width)}
      </Text>
      <Text wrap="truncate">
        <Text>labelled </Text>
        <Text color={cur.decision === 'accepted' ? undefined : 'red'} bold={cur.decision !== 'accepted'}>
          {cur.label}
        </Text>
        <Text> · suggested </Text>
        <Text color="green" bold={cur.decision === 'accepted'}>
          {cur.suggested}
        </Text>
        <Text color={cur.decision === 'accepted' ? 'green' : 'yellow'}>{decided ? `  ${decided}` : ''}</Text>
      </Text>
      {pick ? (
        <LabelPicker file={caption} choices={choices} suggested={cur.suggested} sel={pick.sel} width={width} height={imgH} />
      ) : width >= 50 ? (
        <Box flexDirection="row" width={width} height={imgH}>
          <ImageBox file={cur.file} caption={caption} width={width - sideW - 1} height={imgH} />
          <Box width={1} />
          <Box flexDirection="column" width={sideW} height={imgH}>
            <ImageBox
              file={near.label?.file}
              caption={near.label ? `nearest ${near.label.label}: ${path.basename(near.label.file)} (${near.label.distance.toFixed(2)})` : ''}
              width={sideW}
              height={Math.floor(imgH / 2)}
              captionColor="red"
            />
            <ImageBox
              file={near.suggested?.file}
              caption={near.suggested ? `nearest ${near.suggested.label}: ${path.basename(near.suggested.file)} (${near.suggested.distance.toFixed(2)})` : ''}
              width={sideW}
              height={imgH - Math.floor(imgH / 2)}
              captionColor="green"
            />
          </Box>
        </Box>
      ) : (
        <ImageBox file={cur.file} caption={caption} width={width} height={imgH} />
      )}
      <Text color="cyan" wrap="truncate">
        {fit(
          pick
            ? `enter: move into ${choices[pick.sel]}/ · j/k: choose · esc: back`
            : cur.decision === 'accepted'
              ? 'u: undo (move it back) · j/k: next/prev'
              : cur.decision === 'excluded'
                ? 'u: undo (back in the dataset) · j/k: next/prev'
                : `a: accept (move into ${cur.suggested}/) · p: other label · s: keep · x: exclude · j/k: next/prev${r.journal.length ? ' · u: undo' : ''}`,
          width,
        )}
      </Text>
    </Box>
  );
}
