// Probes for traces of a driven browser (names of what was found, nothing else).
//
// A person's browser never shows these; headless and driven Chromium often do. Each probe
// is guarded; the server decides what a name means for the device the user agent claims
// (plugins/automation.py), so the page only reports what it saw.

import { attempt, withTimeout } from './util.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- engines' non-standard members */

function nativeGetter(descriptor: PropertyDescriptor | undefined): boolean {
  if (!descriptor || typeof descriptor.get !== 'function') return false;
  return /\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(descriptor.get));
}

export function pageSignals(uaData: any): Promise<string[]> {
  const found: string[] = [];
  const ua = navigator.userAgent || '';
  const chromium = !!uaData; // userAgentData: Chromium engines, on secure pages
  attempt(function () {
    const own = Object.getOwnPropertyDescriptor(navigator, 'webdriver');
    const proto = Object.getOwnPropertyDescriptor(Navigator.prototype, 'webdriver');
    if (own || (chromium && !proto) || (proto && !nativeGetter(proto))) {
      found.push('webdriver_tampered');
    }
  });
  attempt(function () {
    if (chromium && /Chrome\//.test(ua) && !/; wv\)/.test(ua) &&
        typeof (window as any).chrome === 'undefined') {
      found.push('chrome_object_missing');
    }
  });
  attempt(function () {
    const brands = (uaData && uaData.brands) || [];
    if (brands.some(function (b: any) { return /headless/i.test(String(b && b.brand)); })) {
      found.push('headless_brand');
    }
  });
  attempt(function () {
    const ow = window.outerWidth;
    const oh = window.outerHeight;
    if (ow === 0 || oh === 0) {
      found.push('zero_outer_size');
      return;
    }
    // No tabs, no toolbar: the window is only the page. Real desktop windows have UI
    // unless fullscreen (display-mode fullscreen) or an installed app (standalone).
    const bare = ow === window.innerWidth && oh === window.innerHeight;
    const browserMode = !window.matchMedia || window.matchMedia('(display-mode: browser)').matches;
    if (bare && browserMode && !document.fullscreenElement) {
      const scr: any = window.screen || {};
      found.push(ow >= scr.width && oh >= scr.height ? 'screen_window_without_ui'
        : 'window_without_ui');
    }
  });
  // Old headless Chromium: the notification permission is 'denied' while the Permissions
  // API answers 'prompt'; in a person's browser the two agree.
  const permission = attempt(function () {
    if (!window.Notification || Notification.permission !== 'denied') return undefined;
    return navigator.permissions.query({ name: 'notifications' }).then(function (status) {
      if (status.state === 'prompt') found.push('notification_permission_inconsistent');
    });
  });
  return withTimeout(permission, 500).then(function () { return found; });
}
