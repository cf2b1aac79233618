import { render } from 'preact';

import { App, installShortcuts } from './app/App';
import { ConsoleContext } from './app/context';
import { startRouter } from './app/router';
import { tokenFromLocation } from './api/client';
import { ConsoleState } from './state/app';
import 'uplot/dist/uPlot.min.css';
import './styles.css';

const root = document.getElementById('app');
const token = tokenFromLocation(location.search);
if (root && !token) {
  root.innerHTML =
    '<div class="fatal">This console needs its token. Open the URL that <code>switchboard</code> printed when it started (it ends in <code>?token=…</code>).</div>';
} else if (root && token) {
  const state = new ConsoleState(token);
  state.start();
  startRouter();
  installShortcuts();
  render(
    <ConsoleContext.Provider value={state}>
      <App />
    </ConsoleContext.Provider>,
    root,
  );
}
