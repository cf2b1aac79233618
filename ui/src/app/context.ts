import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

import type { ConsoleState } from '../state/app';

export const ConsoleContext = createContext<ConsoleState | null>(null);

export function useConsole(): ConsoleState {
  const c = useContext(ConsoleContext);
  if (!c) throw new Error('ConsoleContext is missing');
  return c;
}
