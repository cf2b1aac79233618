// The membership graph's full layouts, off the page's thread.
import { forceLayout, type LayoutInput } from './layout';

self.onmessage = (e: MessageEvent<{ id: number; input: LayoutInput }>) => {
  const { id, input } = e.data;
  const result = forceLayout(input);
  (self as unknown as Worker).postMessage({ id, ...result });
};
