// The dashboard's static files, found the same way from the source tree and from the rspack bundle.

export interface DashboardAsset {
  /** rspack copies a file named by `new URL(…, import.meta.url)` into dist and rewrites the URL. */
  readonly url: URL;
  readonly contentType: string;
}

export const DASHBOARD_ASSETS: Readonly<Record<string, DashboardAsset>> = {
  'index.html': {
    url: new URL('./static/index.html', import.meta.url),
    contentType: 'text/html; charset=utf-8',
  },
  'dashboard.css': {
    url: new URL('./static/dashboard.css', import.meta.url),
    contentType: 'text/css; charset=utf-8',
  },
  'dashboard.js': {
    url: new URL('./static/dashboard.js', import.meta.url),
    contentType: 'text/javascript; charset=utf-8',
  },
};
