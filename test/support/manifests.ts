// YAML the e2e suites apply: version subsets of a service, as users write them.

/** `v1` Services `<app>-<version>` selecting `app=<app>,version=<version>`, one document each. */
export function versionServices(app: string, versions: readonly string[]): string {
  return versions
    .map(
      (version) => `
apiVersion: v1
kind: Service
metadata: { name: ${app}-${version} }
spec: { selector: { app: ${app}, version: ${version} } }
`,
    )
    .join('---');
}
