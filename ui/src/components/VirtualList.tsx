// A list that renders only the rows in view (fixed row height), so 100,000 rows scroll as
// smoothly as 100. With `follow`, it stays pinned to the newest row while the user is at the
// bottom, and stops following as soon as they scroll up. With `anchor`, the row at that index
// stays where it is on screen while rows come and go around it (a selected row of the live tail
// does not scroll away).
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

export interface VirtualListProps {
  count: number;
  rowHeight: number;
  renderRow: (index: number) => ComponentChildren;
  /** Keep the last row in view while scrolled to the bottom. */
  follow?: boolean;
  /** Called with the visible range [start, end) when it changes. */
  onRange?: (start: number, end: number) => void;
  /** Index of a row to hold in place on screen (overrides `follow`); -1 or absent: none. */
  anchor?: number;
  /** Changes whenever rows change content without changing count. */
  version?: number;
  overscan?: number;
  className?: string;
  testId?: string;
}

export function VirtualList(props: VirtualListProps) {
  const { count, rowHeight, renderRow, follow, onRange, overscan = 8 } = props;
  const ref = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const anchor = props.anchor !== undefined && props.anchor >= 0 ? props.anchor : -1;
  const anchorRef = useRef(anchor);
  anchorRef.current = anchor;
  /** Pixels from the top of the view to the anchored row, while there is one. */
  const anchorOffset = useRef<number | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(480);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setHeight(el.clientHeight || 480);
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight || 480));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (anchor >= 0) {
      if (anchorOffset.current === null) {
        const offset = anchor * rowHeight - el.scrollTop;
        // A row out of view (picked elsewhere, or a filter moved it) comes to the middle.
        anchorOffset.current = offset >= 0 && offset < el.clientHeight ? offset : Math.max(0, (el.clientHeight - rowHeight) / 2);
      }
      const want = Math.max(0, anchor * rowHeight - anchorOffset.current);
      if (Math.abs(el.scrollTop - want) >= 1) el.scrollTop = want;
      setScrollTop(el.scrollTop);
      return;
    }
    // Letting go of a row goes back to the newest rows.
    if (anchorOffset.current !== null) atBottom.current = true;
    anchorOffset.current = null;
    if (follow && atBottom.current) {
      el.scrollTop = el.scrollHeight;
      setScrollTop(el.scrollTop);
    }
  }, [count, follow, props.version, anchor]);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    atBottom.current = el.scrollTop + el.clientHeight >= el.scrollHeight - rowHeight * 2;
    if (anchorRef.current >= 0 && anchorOffset.current !== null) anchorOffset.current = anchorRef.current * rowHeight - el.scrollTop;
    setScrollTop(el.scrollTop);
  };

  const start = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);

  useEffect(() => {
    onRange?.(start, end);
  }, [start, end, count]);

  const rows = [];
  for (let i = start; i < end; i++) {
    rows.push(
      <div key={i} class="vrow" style={{ top: `${i * rowHeight}px`, height: `${rowHeight}px` }}>
        {renderRow(i)}
      </div>,
    );
  }
  return (
    <div ref={ref} class={`vlist ${props.className ?? ''}`} onScroll={onScroll} data-testid={props.testId}>
      <div class="vlist-inner" style={{ height: `${count * rowHeight}px` }}>
        {rows}
      </div>
    </div>
  );
}
