// Behaviour: counts per form field, never the content; and input realism, how input arrived
// in each attached form (counts, never content).
//
// A driver's typing is synthetic (`isTrusted` false when a script dispatches it) or
// machine-regular (the same interval between keys, key after key), and its pointer jumps
// onto each field without moving there. Per form: keys, untrusted key and input events,
// intervals between keys and how many equalled the previous one within 1 ms, fields
// entered by the pointer and the pointer moves that led there.

import { type Bag, attempt, intIn, isNumber, now, put, strMax } from './util.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- events of several kinds */

const MAX_FIELDS = 128;
const MAX_INTERVALS = 2048;
const MAX_INTERVAL_MS = 60000;
const MAX_FORMS = 8;

/** What the tracker reads from the collector: both change while the page is open. */
export interface Switches { optedOut: boolean; typingRhythm: boolean }

interface FieldStats {
  name: string; chars_typed: number; chars_pasted: number; corrections: number; focus_ms: number;
}

interface FormInput {
  keys: number; untrusted: number; intervals: number; flat_intervals: number;
  pointer_fields: number; pointer_moves: number; lastKey: number | null; lastGap: number | null;
}

const TRACKED_TAGS: Record<string, 1> = { INPUT: 1, TEXTAREA: 1, SELECT: 1 };
const UNTRACKED_TYPES: Record<string, 1> = {
  hidden: 1, submit: 1, button: 1, reset: 1, image: 1, file: 1,
};

function fieldName(el: any): string | null {
  if (!el || !TRACKED_TAGS[el.tagName]) return null;
  if (el.tagName === 'INPUT' && UNTRACKED_TYPES[(el.type || '').toLowerCase()]) return null;
  const name = el.getAttribute('name') || el.id;
  return name ? name.slice(0, 64) : null;
}

function isPassword(el: any): boolean {
  return el && el.tagName === 'INPUT' && (el.type || '').toLowerCase() === 'password';
}

function textLength(text: unknown): number { return typeof text === 'string' ? text.length : 0; }

/** The form-behaviour counters of one collector; `handlers` go on each attached form. */
export interface Tracker {
  handlers: Record<string, (event: any) => void>;
  countMoves(): void;
  behaviour(): Bag;
  inputStats(): Bag[];
  clear(): void;
}

export function tracker(on: Switches): Tracker {
  const fields = new Map<string, FieldStats>(); // field name -> stats
  let focused: { stats: FieldStats; since: number } | null = null;
  const intervals: number[] = []; // keystroke intervals, only when the tenant enabled typing_rhythm
  let lastKeyAt: number | null = null;
  const inputByForm = new Map<HTMLFormElement, FormInput>(); // form -> counts
  let pointerMoves = 0; // since the last field was entered by the pointer
  let movesCounted = false;

  function statsFor(el: any): FieldStats | null {
    if (on.optedOut) return null; // the visitor opted out: nothing more is counted
    const name = fieldName(el);
    if (!name) return null;
    let stats = fields.get(name);
    if (!stats) {
      if (fields.size >= MAX_FIELDS) return null;
      stats = { name: name, chars_typed: 0, chars_pasted: 0, corrections: 0, focus_ms: 0 };
      fields.set(name, stats);
    }
    return stats;
  }

  function inputFor(event: any): FormInput | null {
    const form = event.currentTarget;
    if (on.optedOut || !form || form.tagName !== 'FORM') return null;
    let stats = inputByForm.get(form);
    if (!stats && inputByForm.size < MAX_FORMS) {
      stats = { keys: 0, untrusted: 0, intervals: 0, flat_intervals: 0, pointer_fields: 0,
        pointer_moves: 0, lastKey: null, lastGap: null };
      inputByForm.set(form, stats);
    }
    return stats || null;
  }

  function countKey(event: any): void {
    const stats = inputFor(event);
    if (!stats || event.repeat) return;
    stats.keys += 1;
    if (event.isTrusted === false) stats.untrusted += 1;
    const at = event.timeStamp;
    if (stats.lastKey !== null && isNumber(at)) {
      const gap = at - stats.lastKey;
      if (gap < 5000) {
        stats.intervals += 1;
        if (stats.lastGap !== null && Math.abs(gap - stats.lastGap) <= 1) stats.flat_intervals += 1;
        stats.lastGap = gap;
      } else {
        stats.lastGap = null;
      }
    }
    stats.lastKey = at;
  }

  function countInput(event: any): void {
    const stats = inputFor(event);
    if (stats && event.isTrusted === false) stats.untrusted += 1;
  }

  function countPointerField(event: any): void {
    const stats = inputFor(event);
    if (!stats || !fieldName(event.target)) return;
    stats.pointer_fields += 1;
    stats.pointer_moves += Math.min(pointerMoves, 1000);
    pointerMoves = 0;
  }

  function pasted(stats: FieldStats | null, read: () => number): void {
    if (!stats) return;
    const length = attempt(read);
    stats.chars_pasted += isNumber(length) ? length : 0;
  }

  const handlers: Record<string, (event: any) => void> = {
    focusin: function (event) {
      const stats = statsFor(event.target);
      if (stats) focused = { stats: stats, since: now() };
    },
    focusout: function (event) {
      const stats = statsFor(event.target);
      if (focused && focused.stats === stats) {
        stats.focus_ms += Math.round(now() - focused.since);
        focused = null;
      }
    },
    keydown: function (event) {
      countKey(event);
      const stats = statsFor(event.target);
      if (!stats || !on.typingRhythm || event.repeat) return;
      if (isPassword(event.target)) { // no rhythm from passwords, nor across them
        lastKeyAt = null;
        return;
      }
      const at = event.timeStamp || now();
      if (lastKeyAt !== null && intervals.length < MAX_INTERVALS) {
        intervals.push(Math.min(MAX_INTERVAL_MS, Math.max(0, Math.round(at - lastKeyAt))));
      }
      lastKeyAt = at;
    },
    input: function (event) {
      countInput(event);
      const stats = statsFor(event.target);
      const kind = event.inputType;
      if (!stats || typeof kind !== 'string') return;
      // Only the length of what was inserted is used, never the text itself.
      if (kind === 'insertText' || kind === 'insertReplacementText') {
        stats.chars_typed += Math.max(1, textLength(event.data));
      } else if (kind === 'insertLineBreak' || kind === 'insertParagraph') {
        stats.chars_typed += 1;
      } else if (kind.indexOf('delete') === 0 || kind === 'historyUndo') {
        stats.corrections += 1;
      }
    },
    pointerdown: countPointerField,
    compositionend: function (event) { // IME input arrives here, as a whole
      const stats = statsFor(event.target);
      if (stats) stats.chars_typed += textLength(event.data);
    },
    paste: function (event) {
      pasted(statsFor(event.target), function () { return event.clipboardData.getData('text').length; });
    },
    drop: function (event) {
      pasted(statsFor(event.target), function () { return event.dataTransfer.getData('text').length; });
    },
  };

  function countMoves(): void {
    if (movesCounted) return;
    movesCounted = true;
    document.addEventListener('pointermove', function () { pointerMoves += 1; },
      { capture: true, passive: true });
  }

  function inputStats(): Bag[] {
    const out: Bag[] = [];
    inputByForm.forEach(function (stats) {
      if (!stats.keys && !stats.untrusted && !stats.pointer_fields) return;
      out.push({ keys: stats.keys, untrusted: stats.untrusted, intervals: stats.intervals,
        flat_intervals: stats.flat_intervals, pointer_fields: stats.pointer_fields,
        pointer_moves: stats.pointer_moves });
    });
    return out;
  }

  function behaviour(): Bag {
    const out: Bag = {};
    put(out, 'time_on_page_ms', intIn(now(), 0, 1000000000));
    put(out, 'history_length', attempt(function () { return intIn(history.length, 0, 10000); }));
    // One page: the collector keeps no storage that could count pages across navigations.
    put(out, 'pages_visited', 1);
    put(out, 'referrer_host', attempt(function () {
      return document.referrer ? strMax(new URL(document.referrer).host, 256) : undefined;
    }));
    const list: FieldStats[] = [];
    fields.forEach(function (stats) {
      const copy = {
        name: stats.name,
        chars_typed: stats.chars_typed,
        chars_pasted: stats.chars_pasted,
        corrections: stats.corrections,
        focus_ms: stats.focus_ms,
      };
      if (focused && focused.stats === stats) copy.focus_ms += Math.round(now() - focused.since);
      list.push(copy);
    });
    if (list.length) out.fields = list;
    if (on.typingRhythm) out.keystroke_intervals_ms = intervals.slice(0, MAX_INTERVALS);
    return out;
  }

  function clear(): void { // what was counted in page memory is dropped
    fields.clear();
    inputByForm.clear();
    intervals.length = 0;
    focused = null;
    lastKeyAt = null;
  }

  return { handlers: handlers, countMoves: countMoves, behaviour: behaviour,
    inputStats: inputStats, clear: clear };
}
