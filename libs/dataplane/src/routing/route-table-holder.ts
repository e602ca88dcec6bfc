// The one mutable reference to the current route table: swapped whole, read once per request.
import { RouteTable } from './route-table.js';

export class RouteTableHolder {
  private table: RouteTable = RouteTable.EMPTY;

  get current(): RouteTable {
    return this.table;
  }

  swap(next: RouteTable): void {
    this.table = next;
  }
}
