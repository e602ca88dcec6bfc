// The one mutable reference to the current route table: swapped whole, read once per request.
import { RouteTable } from './route-table.js';

export class RouteTableHolder {
  private table: RouteTable = RouteTable.EMPTY;
  private readonly watchers: ((table: RouteTable) => void)[] = [];

  get current(): RouteTable {
    return this.table;
  }

  swap(next: RouteTable): void {
    this.table = next;
    for (const watcher of this.watchers) watcher(next);
  }

  /** Called after each swap, off the request path (an edge router opens its Gateway's ports). */
  watch(watcher: (table: RouteTable) => void): void {
    this.watchers.push(watcher);
  }
}
