/** The compiled page is missing: the dashboard's web build has not run into the compile output. */
export class DashboardAssetsMissingError extends Error {
  static readonly NAME = 'DashboardAssetsMissingError'
  static readonly code = 'ERR_DASHBOARD_ASSETS_MISSING'
  readonly webDir: string

  constructor (webDir: string) {
    super(`dashboard assets are not built: no index.html in ${webDir}`)
    this.name = DashboardAssetsMissingError.NAME
    this.webDir = webDir
  }
}
