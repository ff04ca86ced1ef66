import { describe, expect, it } from 'vitest';
import type { AgilicusOrg } from '../../../contract/models/agilicus';
import { orgsText } from '../../../renderer/src/views/agilicus/words';

const org = (name: string): AgilicusOrg => ({ id: name, name, subdomain: null, slug: null, adminState: null, currentState: null, allUp: null, billingAccountId: null });
const unreadable = { index: 0, field: 'id', value: 'missing', problem: 'expected string' };

describe('Agilicus organisations cell', () => {
  it('names the organisations and counts those that could not be read instead of hiding them', () => {
    expect(orgsText({ orgs: [] })).toBe('None');
    expect(orgsText({ orgs: [org('Acme'), org('Beta')] })).toBe('Acme, Beta');
    expect(orgsText({ orgs: [org('Acme')], unreadableOrgs: [unreadable] })).toBe('Acme; 1 organisation could not be read');
    expect(orgsText({ orgs: [], unreadableOrgs: [unreadable, { ...unreadable, index: 1 }] })).toBe('2 organisations could not be read');
  });
});
