"""Print a check-mode plan file (ldap_accounts plan_file) as a short table for humans."""

import json
import sys

plan = json.load(open(sys.argv[1]))
print("   plan: %s" % ", ".join("%s %d" % (k, v) for k, v in plan["summary"].items() if v))
for action in plan["actions"]:
    changes = ", ".join("%s: %s -> %s" % (a, b, c) for a, (b, c) in sorted(action["changes"].items()))
    target = " -> %s" % action["new_dn"] if action.get("new_dn") else ""
    print("   %-7s %s%s" % (action["action"], action["dn"], target))
    print("           %s\n           %s" % (action["reason"], changes or "(no attribute change)"))
