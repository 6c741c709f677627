#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: impact_report
short_description: Write the impact of a plan as JSON, Markdown and HTML reports
version_added: 0.1.0
description:
  - Writes what a run of M(jml.provisioning.ldap_accounts) does or would do - usually a check-mode
    run, the B(impact evaluation) - as report files on the controller, for people and pipelines.
  - V(json) is for machines - C({format, targets, summary, exceeded, errors}), keys sorted, the
    results complete (C(format) is C(jml.provisioning/impact/v1), C(targets) maps each target to its
    result).
  - V(markdown) is for a merge-request comment - the totals, the thresholds with an B(EXCEEDED)
    marker, per-rule gains and losses, the first O(max_actions) actions with their reasons and changed
    attribute names, the correlation counts and conflicts. Every datum is escaped, so a name cannot
    inject Markdown, HTML or an @mention.
  - V(html) is one self-contained page (inline CSS, JavaScript and SVG, no external resource) - a bar
    chart of the totals, thresholds, rules, the actions with a filter box, and the correlation
    report. Every number on it carries a C(data-*) attribute (for example
    C(<td data-summary="create">3</td>)). The filter reads C(q) and C(action) from the URL, for
    example C(impact.html#q=smith&action=disable).
  - Several targets (O(results)) give one section per target, in name order, and an overview.
  - A result without a C(summary) - the task failed before it could plan, for example because the
    directory was unreachable - is reported as the target's error (RV(errors)), not as a failure of
    this module.
  - The files hold personal data (names, DNs, attribute values) - they are written atomically with
    mode C(0600).
  - Runs on the controller (action plugin).
author:
  - jml.provisioning maintainers (!UNKNOWN)
attributes:
  check_mode:
    support: full
    description:
      - The reports are written in check mode too - writing the impact of a check-mode run is what
        this module is for (like M(ansible.builtin.debug), it ignores check mode). Nothing but the
        report files is ever written.
  diff_mode:
    support: none
    description: The reports are files to read; no diff is returned.
  action:
    support: full
    description: Runs as an action plugin on the controller.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller; the play's target host is not contacted.
options:
  result:
    description:
      - One result of M(jml.provisioning.ldap_accounts), as registered (for example C(jml_ldap_result)).
      - Mutually exclusive with O(results); one of them is required.
    type: dict
  results:
    description:
      - Several results, as a dictionary target name (usually the inventory host) -> result.
      - An empty dictionary gives a report that says no target was evaluated.
    type: dict
  target:
    description:
      - Name of the target of O(result) in the reports. Defaults to the task's C(inventory_hostname).
    type: str
  dest:
    description:
      - Folder on the controller the reports are written to. Created (mode C(0700)) when missing.
    type: path
    required: true
  name:
    description:
      - Base name of the report files - C(<dest>/<name>.json), C(<name>.md) and C(<name>.html).
    type: str
    default: impact
  formats:
    description: The reports to write.
    type: list
    elements: str
    choices: [json, markdown, html]
    default: [json, markdown, html]
  max_actions:
    description:
      - At most this many actions (and failures, conflicts and rule members) are listed in the Markdown
        report, which must stay short enough for a merge-request comment. The JSON and HTML reports list
        every action in the results.
    type: int
    default: 50
notes:
  - The reports are C(changed) only when their content differs - they hold no timestamp, so the same
    results give the same files.
  - A registered result holds at most the O(jml.provisioning.ldap_accounts#module:max_actions) actions
    of its task; the complete plan is in that module's O(jml.provisioning.ldap_accounts#module:plan_file).
  - The role C(jml.provisioning.impact_report) gathers the results of all targets of a play and fails
    when a threshold is exceeded; the playbook C(jml.provisioning.evaluate) runs the whole evaluation.
seealso:
  - module: jml.provisioning.ldap_accounts
"""

EXAMPLES = r"""
- name: Evaluate the target in check mode (a threshold that would be exceeded fails the task)
  jml.provisioning.ldap_accounts:
    vault: /var/lib/jml/vault.json
    connection:
      server_uri: ldaps://ldap.example.test
      bind_dn: cn=jml,ou=services,dc=example,dc=test
      bind_password: "{{ jml_ldap_bind_password }}"
    accounts_dn: ou=people,dc=example,dc=test
    username:
      candidates:
        - "(person.name.given | slug) ~ '.' ~ (person.name.family | slug) ~ (n if n > 1 else '')"
    attributes:
      cn: person.name.display
      sn: person.name.family
      givenName: person.name.given
    thresholds:
      disable: {count: 10, percent: 20}
  check_mode: true
  register: evaluation
  ignore_errors: true

- name: Write the impact report of this target
  jml.provisioning.impact_report:
    result: "{{ evaluation }}"
    dest: /var/lib/jml/reports
  register: report

- name: Write one report over every target of the play
  jml.provisioning.impact_report:
    results: "{{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all | map('extract', hostvars, 'evaluation'))) }}"
    dest: "{{ playbook_dir }}/reports"
    name: impact-{{ jml_ldap_reference_date | default('today') }}
    formats: [markdown, html]
    max_actions: 20
  run_once: true
  delegate_to: localhost

- name: Stop when a real run would exceed a threshold
  ansible.builtin.fail:
    msg: "Thresholds exceeded: {{ report.exceeded | map(attribute='action') | join(', ') }}"
  when: report.exceeded | length > 0
"""

RETURN = r"""
changed:
  description: Whether a report file was written (its content, or its mode, differed).
  returned: always
  type: bool
files:
  description: The report files, format -> path.
  returned: always
  type: dict
  sample:
    json: /var/lib/jml/reports/impact.json
    markdown: /var/lib/jml/reports/impact.md
    html: /var/lib/jml/reports/impact.html
exceeded:
  description: The thresholds a real run would exceed, over every target - each with C(target), C(action), C(count) and C(limit).
  returned: always
  type: list
  elements: dict
  sample:
    - {target: ldap1, action: disable, count: 29, limit: 6}
errors:
  description: The targets whose plan could not be built (their result has no C(summary)), each with C(target) and C(msg).
  returned: always
  type: list
  elements: dict
  sample:
    - {target: ldap2, msg: "ldap_accounts: cannot connect to ldaps://ldap2.example.test:636; nothing was written"}
failures:
  description:
    - Every operation that failed, or that check mode predicts would fail (then with C(predicted=true)),
      over every target - each with C(target), C(person), C(action), C(dn) and C(error). The reports list
      them all in their Failures section and never show the OK banner over them.
  returned: always
  type: list
  elements: dict
  sample:
    - {target: ad1, person: "10023", action: create, dn: "CN=Jan Jansen,OU=Sales,DC=example,DC=test",
       error: "the container OU=Sales,DC=example,DC=test does not exist", predicted: true}
summary:
  description: The C(summary) counts added over every target with a plan.
  returned: always
  type: dict
  sample: {create: 3, update: 5, move: 1, enable: 0, disable: 2, delete: 0, grant: 0, revoke: 0,
           unchanged: 1190, failed: 0}
targets:
  description: The names of the targets in the reports, in report order.
  returned: always
  type: list
  elements: str
  sample: [ldap1, ldap2]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.jml.provisioning.plugins.module_utils.report.impact import (
    ARGUMENT_SPEC, MUTUALLY_EXCLUSIVE, REQUIRED_ONE_OF,
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, mutually_exclusive=MUTUALLY_EXCLUSIVE,
                           required_one_of=REQUIRED_ONE_OF, supports_check_mode=True)
    module.fail_json(msg="jml.provisioning.impact_report runs as an action plugin on the controller; "
                         "it cannot run as a module on a remote host")


if __name__ == "__main__":
    main()
