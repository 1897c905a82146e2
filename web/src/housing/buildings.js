// Buildings for the pickers: every building of a community (the list is
// paged on the server), and a building's name as people say it.
import { api } from '../api.js';

export async function allBuildings(communityId) {
  const out = [];
  let cursor;
  do {
    const res = await api.buildings.list(communityId, cursor);
    out.push(...res.items);
    cursor = res.next;
  } while (cursor);
  return out;
}

// "3" -> "3号楼"; "3栋" or "综合楼" stay.
export const buildingTitle = (b) => (b ? (/^\d+$/.test(b.name) ? `${b.name}号楼` : b.name) : '—');
