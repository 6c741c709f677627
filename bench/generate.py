# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Deterministic synthetic HR export in the shape of the HelloID CSV demo, for benchmarks.

    python bench/generate.py --persons 100000 --seed 1 --out .build/bench/hr-100000 [--today 2025-01-31]

Writes into OUT (all ``;``-separated, UTF-8):

- ``persons.csv``     EmployeeCode;EmployeeNumber;Initials;NickName;FirstName;NamePrefix;LastName;
                      DateOfBirth;Gender;PartnerNamePrefix;PartnerName;PreferredNaming;EmailBusiness;
                      Blocked;<canary column>
- ``contracts.csv``   EmployeeCode;ContractSequenceNumber;EmployeeType;FTE;ContractStartDate;
                      ContractEndDate;Manager;OrganizationalUnit;FunctionCode;CostCentre  (dates D-M-YYYY)
- ``departments.csv`` ExternalId;Name;DisplayName;ManagerExternalId;ParentExternalId (a tree, ~N/50 units)
- ``functions.csv``   FunctionCode;FunctionDescription (60 codes)
- ``mapping.yml``     ``jml_sources:`` for persons + contracts (the demo's mapping set, absolute paths):
                      usable as ``ansible-playbook ... -e @OUT/mapping.yml``
- ``rules.yml``       100 business rules over 50 groups (``group-00`` .. ``group-49``) in the mix real
                      rule files hold (see ``rules_document``): a ``jml_ldap_rules_file``
- ``manifest.json``   what was generated: counts per status, the canary column and marker prefix.

What the data holds, because later benchmarks and tests rely on it:

- ~1.3 contracts per person (75 % one, 20 % two, 5 % three);
- names from eleven countries with diacritics and apostrophes (Łukasz, François, Kılıç, Søren,
  Øster-Straße, O'Brien, IJzerman ...), Dutch name prefixes (van, de, van der ...), partner names
  with PreferredNaming 0-3, formal first names with a different nick name (Johannes -> Hans);
- deliberate name collisions: ~2 % of persons are "Jan Jansen", ~0.5 % "Jan de Vries", ~0.3 %
  "Maria Müller", ~0.3 % "Mohammed Yılmaz" (plus the natural ones of small name pools);
- managers form a tree: every department has a manager (a person of that department), a person's
  manager is their department's manager, a department manager's manager is the parent department's
  manager; the root department's manager has none. A few managers are leavers (as in real exports);
- status relative to ``--today``: 5 % future joiners (every contract starts 1-30 days ahead), 5 %
  leavers (every contract ended 1-365 days ago), the rest active (one contract running today,
  earlier contracts ended, some with two concurrent contracts);
- a column (``--canary``, default CanarySecret) filled with ``CANARY-<token>-<n>`` markers that no
  mapping reads: data minimisation tests check none of it reaches the vault;
- two unmapped personal columns (DateOfBirth, Gender) as a real export would carry.

The same ``--persons``, ``--seed`` and ``--today`` give the same bytes. Pure standard library.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import functools
import json
import os
import random
import sys
import time
import unicodedata

# ---------------------------------------------------------------------------------------------
# Name pools: (weight, first names (given, nick), family names (prefix, name)).
# A first-name entry is "Given" or "Given|Nick" (formal given name with a different nick name).

NL_FIRST = ("Jan Pieter|Jan", "Johannes|Hans", "Wilhelmus|Wim", "Cornelis|Kees", "Hendrikus|Henk",
            "Adrianus|Arie", "Petronella|Nel", "Johanna|Anneke", "Jan", "Pieter", "Sanne", "Lotte",
            "Daan", "Sem", "Emma", "Julia", "Thijs", "Bram", "Anouk", "Maarten", "Eline", "Joost",
            "Femke", "Sjoerd", "Ineke", "Geert", "Willemijn", "Kees", "Marieke", "Ruud", "Jeroen",
            "Noortje", "Ruben", "Fleur", "Sjaak", "Geertruida|Truus", "IJsbrand", "Floor", "Teun")
NL_LAST = (("", "Jansen"), ("de", "Jong"), ("de", "Vries"), ("van den", "Berg"), ("van", "Dijk"),
           ("", "Bakker"), ("", "Janssen"), ("", "Visser"), ("", "Smit"), ("", "Meijer"),
           ("de", "Boer"), ("", "Mulder"), ("de", "Groot"), ("", "Bos"), ("", "Vos"), ("", "Peters"),
           ("", "Hendriks"), ("van", "Leeuwen"), ("", "Dekker"), ("", "Brouwer"), ("de", "Wit"),
           ("", "Dijkstra"), ("", "Smits"), ("de", "Graaf"), ("van der", "Meer"), ("van der", "Linden"),
           ("", "Kok"), ("", "Jacobs"), ("de", "Haan"), ("", "Vermeulen"), ("van den", "Heuvel"),
           ("van der", "Veen"), ("van den", "Broek"), ("de", "Bruijn"), ("van der", "Heijden"),
           ("", "Schouten"), ("van", "Beek"), ("", "Willems"), ("van", "Vliet"), ("", "Hoekstra"),
           ("ter", "Horst"), ("in 't", "Veld"), ("van 't", "Hof"), ("", "IJzerman"), ("den", "Hartog"),
           ("van de", "Kamp"), ("", "Çelik-de Boer"))
DE_FIRST = ("Jürgen", "Günther", "Jörg", "Bärbel", "Björn", "Sören", "Käthe", "Lukas", "Anna",
            "Felix", "Maximilian", "Lea", "Hannah", "Uwe", "Dörte", "Ruth", "Maria", "Jürgen-Ötzi|Jürgen")
DE_LAST = (("", "Müller"), ("", "Schröder"), ("", "Schäfer"), ("", "Weiß"), ("", "Groß"), ("", "Köhler"),
           ("", "Hoffmann"), ("", "Schmidt"), ("", "Fischer"), ("", "Becker"), ("", "Wagner"),
           ("", "Krüger"), ("", "Øster-Straße"), ("", "Meißner"), ("", "Jäger"), ("von", "Bülow"),
           ("", "Straßburger"), ("", "Löwe"))
PL_FIRST = ("Łukasz", "Małgorzata", "Wojciech", "Agnieszka", "Paweł", "Krzysztof", "Zofia", "Michał",
            "Grażyna", "Bartłomiej", "Żaneta", "Jędrzej", "Ewa", "Tomasz")
PL_LAST = (("", "Kowalski"), ("", "Nowak"), ("", "Wiśniewski"), ("", "Wójcik"), ("", "Kowalczyk"),
           ("", "Kamiński"), ("", "Lewandowski"), ("", "Zieliński"), ("", "Woźniak"), ("", "Dąbrowski"),
           ("", "Kozłowski"), ("", "Jankowski"), ("", "Mazur"), ("", "Błaszczykowski"), ("", "Żółkiewska"))
FR_FIRST = ("François", "Hélène", "Zoë", "Gaëlle", "Jérôme", "Benoît", "Céline", "Anaïs", "Noël",
            "Amélie", "Loïc", "Maëlle", "Éric", "Chloé", "Jean-Baptiste|Jean", "Marie-Thérèse|Marie")
FR_LAST = (("", "Dubois"), ("", "Lefèvre"), ("", "Moreau"), ("", "Girard"), ("", "Bonnet"), ("", "Fournier"),
           ("", "Lambert"), ("", "Faure"), ("", "Rousseau"), ("", "Mercier"), ("", "Dupré"), ("", "Béranger"),
           ("", "Ménard"), ("du", "Château"), ("d'", "Artagnan"), ("", "Lefèbvre-Ménard"))
TR_FIRST = ("Ayşe", "Çağlar", "Gökhan", "Şebnem", "Özlem", "İbrahim", "Emre", "Mehmet", "Ümit",
            "Zeynep", "Barış", "Gülşen", "Mustafa", "Ilkay")
TR_LAST = (("", "Kılıç"), ("", "Yılmaz"), ("", "Öztürk"), ("", "Şahin"), ("", "Çelik"), ("", "Doğan"),
           ("", "Aydın"), ("", "Arslan"), ("", "Koç"), ("", "Güneş"), ("", "Kaya"), ("", "Demir"),
           ("", "Yıldız"), ("", "Çakır"))
NORDIC_FIRST = ("Søren", "Bjørn", "Åsa", "Mette", "Frederik", "Sigrid", "Jørgen", "Kirsten", "Mads",
                "Ingrid", "Øystein", "Åse", "Lærke", "Torbjørn", "Þór", "Guðrún")
NORDIC_LAST = (("", "Jørgensen"), ("", "Sørensen"), ("", "Nielsen"), ("", "Hansen"), ("", "Pedersen"),
               ("", "Østergaard"), ("", "Kjær"), ("", "Møller"), ("", "Lindqvist"), ("", "Åberg"),
               ("", "Ødegård"), ("", "Bækgaard"), ("", "Holm"), ("", "Þórsdóttir"))
IBERIAN_FIRST = ("José", "María", "Ángel", "Iñaki", "João", "Conceição", "Inês", "Núria", "Sebastián",
                 "Begoña", "José María|Chema", "Maria João|Maria")
IBERIAN_LAST = (("", "García"), ("", "Núñez"), ("", "Peña"), ("", "Muñoz"), ("", "Fernández"),
                ("", "Gonçalves"), ("", "Magalhães"), ("", "Ibáñez"), ("", "López"), ("", "Álvarez"),
                ("de la", "Cruz"), ("dos", "Santos"))
UK_FIRST = ("John", "Sarah", "Emily", "Michael", "Olivia", "James", "Charlotte", "William|Bill",
            "Elizabeth|Liz", "Siobhán", "Seán", "Mary-Kate|Mary")
UK_LAST = (("", "Smith"), ("", "Johnson"), ("", "Williams"), ("", "O'Brien"), ("", "O'Connor"),
           ("", "McDonald"), ("", "Brown-Smith"), ("", "Taylor"), ("", "Ó Súilleabháin"), ("", "Jones"))
MAGHREB_FIRST = ("Mohammed", "Fatima", "Youssef", "Khadija", "Saïd", "Mustapha", "Naïma", "Hicham",
                 "Soufiane", "Ilham")
MAGHREB_LAST = (("", "El Amrani"), ("", "Bouzid"), ("", "Benali"), ("", "El Idrissi"), ("", "Aït Ben Haddou"),
                ("", "Boukhari"), ("el", "Khatib"), ("", "Azzouzi"))
OTHER_FIRST = ("Jiří", "Tomáš", "Zuzana", "Nguyễn Văn|Văn", "Thị Hồng|Hồng", "Dragoș", "Ioana",
               "Sándor", "Zsófia", "Ljubiša", "Đorđe", "Mārtiņš")
OTHER_LAST = (("", "Dvořák"), ("", "Novák"), ("", "Nguyễn"), ("", "Trần"), ("", "Popescu"), ("", "Ștefănescu"),
              ("", "Kovács"), ("", "Szőke"), ("", "Đorđević"), ("", "Bērziņš"))

COUNTRIES = (  # (weight, first names, family names)
    (45, NL_FIRST, NL_LAST), (10, DE_FIRST, DE_LAST), (7, PL_FIRST, PL_LAST), (6, FR_FIRST, FR_LAST),
    (7, TR_FIRST, TR_LAST), (5, NORDIC_FIRST, NORDIC_LAST), (5, IBERIAN_FIRST, IBERIAN_LAST),
    (7, UK_FIRST, UK_LAST), (5, MAGHREB_FIRST, MAGHREB_LAST), (3, OTHER_FIRST, OTHER_LAST),
)

# Deliberate collisions: (share of persons, given, prefix, family).
COLLISIONS = ((0.02, "Jan", "", "Jansen"), (0.005, "Jan", "de", "Vries"), (0.003, "Maria", "", "Müller"),
              (0.003, "Mohammed", "", "Yılmaz"))

FUNCTIONS = (
    "Director", "Manager", "Team lead", "Administration assistant", "Accountant", "Controller",
    "Payroll administrator", "HR advisor", "Recruiter", "Service desk agent", "System administrator",
    "Network engineer", "Software developer", "Tester", "Product owner", "Scrum master", "Architect",
    "Data analyst", "Security officer", "Privacy officer", "Legal counsel", "Buyer", "Warehouse worker",
    "Forklift driver", "Logistics planner", "Production operator", "Assembly worker", "Quality inspector",
    "Maintenance engineer", "Electrician", "Facility manager", "Receptionist", "Secretary", "Cook",
    "Cleaner", "Nurse", "Senior nurse", "Doctor", "Physiotherapist", "Care assistant", "Teacher",
    "Teaching assistant", "Student intern", "Trainee", "Sales representative", "Account manager",
    "Customer service agent", "Marketing specialist", "Communications advisor", "Designer",
    "Project manager", "Programme manager", "Policy advisor", "Researcher", "Lab technician",
    "Driver", "Security guard", "Caretaker", "Consultant", "Board member",
)
DEPARTMENT_WORDS = (
    "Administration", "Finance", "Human Resources", "ICT", "Logistics", "Production", "Sales",
    "Marketing", "Customer Service", "Legal", "Facilities", "Research", "Quality", "Procurement",
    "Care", "Education", "Security", "Communications", "Planning", "Maintenance",
)
REGIONS = ("Noord", "Zuid", "Oost", "West", "Centrum", "Düsseldorf", "Kraków", "Malmö", "Liège", "Zürich")

_TRANSLITERATION = str.maketrans({
    "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ß": "ss", "Æ": "AE", "æ": "ae", "Đ": "D", "đ": "d",
    "Ð": "D", "ð": "d", "Þ": "Th", "þ": "th", "ı": "i", "İ": "I", "'": "",
})


@functools.lru_cache(maxsize=None)
def ascii_slug(text):
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return "".join(ch for ch in text.lower() if ch.isalnum() and ch.isascii())


def dmy(day):
    """D-M-YYYY without leading zeros, as HelloID writes dates."""
    return "%d-%d-%d" % (day.day, day.month, day.year)


@functools.lru_cache(maxsize=None)
def initials_of(given):
    return "".join(part[0].upper() + "." for part in given.replace("-", " ").split() if part)


class Person(object):
    __slots__ = ("code", "number", "given", "nick", "prefix", "family", "partner_prefix", "partner",
                 "naming", "email", "blocked", "dob", "gender", "dept", "status", "canary")


def _split_first(entry):
    given, dummy, nick = entry.partition("|")
    return given, nick or given.split()[0]


def generate(n, seed, today, canary_column="CanarySecret"):
    """All tables as lists of rows (header first) plus a manifest dict."""
    rnd = random.Random(seed)
    weights = [c[0] for c in COUNTRIES]
    countries = rnd.choices(COUNTRIES, weights=weights, k=n)
    canary_token = "%016x" % rnd.getrandbits(64)

    # Employee codes: unique, not in file order by accident of generation (HR exports sort by code).
    codes = sorted(rnd.sample(range(100000, 100000 + n * 9), n))
    numbers = rnd.sample(range(1000000, 9999999), n)

    # 5 % future joiners, 5 % leavers (rounding aside), the rest active.
    picked = rnd.sample(range(n), (n // 20) * 2)
    statuses = ["active"] * n
    for i, index in enumerate(picked):
        statuses[index] = "future" if i % 2 == 0 else "leaver"

    collision_plan = []
    for share, given, prefix, family in COLLISIONS:
        collision_plan.extend([(given, prefix, family)] * int(round(n * share)))
    collision_at = dict(zip(rnd.sample(range(n), min(len(collision_plan), n)), collision_plan))

    persons = []
    emails, next_suffix = set(), {}
    for i in range(n):
        p = Person()
        p.code = "E%07d" % codes[i]
        p.number = str(numbers[i])
        dummy, first_pool, last_pool = countries[i]
        if i in collision_at:
            given, p.prefix, p.family = collision_at[i]
            p.nick = given
        else:
            given, p.nick = _split_first(rnd.choice(first_pool))
            p.prefix, p.family = rnd.choice(last_pool)
        p.given = given
        p.partner_prefix, p.partner, p.naming = "", "", "0"
        if rnd.random() < 0.25:
            p.partner_prefix, p.partner = rnd.choice(last_pool if rnd.random() < 0.7 else NL_LAST)
            p.naming = rnd.choice("0011223")
        p.status = statuses[i]
        p.blocked = "TRUE" if rnd.random() < 0.01 else "FALSE"
        p.gender = rnd.choice("MV")
        p.dob = dmy(today - datetime.timedelta(days=rnd.randint(18 * 365, 66 * 365)))
        p.canary = "CANARY-%s-%d" % (canary_token, i)
        # Business mail: assigned by IT, unique; a future joiner often has none yet.
        if p.status == "future" and rnd.random() < 0.5 or rnd.random() < 0.02:
            p.email = ""
        else:
            local = "%s.%s" % (ascii_slug(p.nick), ascii_slug(p.prefix + p.family))
            candidate, k = local, next_suffix.get(local, 1)
            while candidate in emails:  # jan.jansen, jan.jansen2, jan.jansen3 ...
                k += 1
                candidate = "%s%d" % (local, k)
            next_suffix[local] = k
            emails.add(candidate)
            p.email = candidate + "@example.com"
        persons.append(p)

    # Departments: ~N/50 units in a tree (parent chosen among earlier units, biased to the top).
    units = max(1, round(n / 50))
    departments = []
    for d in range(units):
        word = DEPARTMENT_WORDS[d % len(DEPARTMENT_WORDS)]
        region = REGIONS[(d // len(DEPARTMENT_WORDS)) % len(REGIONS)]
        serial = d // (len(DEPARTMENT_WORDS) * len(REGIONS))
        name = "%s %s%s" % (word, region, " %d" % serial if serial else "")
        parent = "" if d == 0 else "D%05d" % int(d * rnd.random() ** 2)
        departments.append(["D%05d" % d, name, "%s (%s)" % (name, word), "", parent])
    active = [i for i in range(n) if statuses[i] == "active"] or list(range(n))
    # Every department gets members; the rest are spread at random (sizes vary).
    dept_of = [0] * n
    order = list(range(n))
    rnd.shuffle(order)
    for k, i in enumerate(order):
        dept_of[i] = k if k < units else rnd.randrange(units)
    for i in range(n):
        persons[i].dept = dept_of[i]
    members = [[] for dummy in range(units)]
    for i in range(n):
        members[dept_of[i]].append(i)
    dept_manager = [None] * units
    for d in range(units):
        pool = [i for i in members[d] if statuses[i] == "active"] or members[d] or active
        # ~2 % of departments are still headed by a leaver, as in real exports.
        leavers = [i for i in members[d] if statuses[i] == "leaver"]
        dept_manager[d] = rnd.choice(leavers) if leavers and rnd.random() < 0.02 else rnd.choice(pool)
        departments[d][3] = persons[dept_manager[d]].code
    parent_index = [None] + [int(row[4][1:]) for row in departments[1:]]

    def manager_of(i):
        d = dept_of[i]
        while True:
            m = dept_manager[d]
            if m != i:
                return persons[m].code
            if parent_index[d] is None:
                return ""
            d = parent_index[d]

    function_codes = []
    for k, title in enumerate(FUNCTIONS):
        function_codes.append(("F%02d_%s" % (k, ascii_slug(title)[:6].upper()), title))

    contract_rows = []
    counts = {"active": 0, "future": 0, "leaver": 0}
    for i, p in enumerate(persons):
        counts[p.status] += 1
        r = rnd.random()
        k = 1 if r < 0.75 else 2 if r < 0.95 else 3
        manager = manager_of(i)
        dept = departments[p.dept][0]
        spans = []
        if p.status == "future":
            start = today + datetime.timedelta(days=rnd.randint(1, 30))
            for dummy in range(k):
                end = None if rnd.random() < 0.8 else start + datetime.timedelta(days=rnd.randint(180, 730))
                spans.append((start, end))
        elif p.status == "leaver":
            end = today - datetime.timedelta(days=rnd.randint(1, 365))
            for j in range(k):
                stop = end - datetime.timedelta(days=(k - 1 - j) * rnd.randint(200, 900))
                spans.append((stop - datetime.timedelta(days=rnd.randint(90, 3650)), stop))
        else:
            # The last contract runs today; earlier ones ended before it or run alongside it.
            current = today - datetime.timedelta(days=rnd.randint(0, 7000))
            last_end = None if rnd.random() < 0.85 else today + datetime.timedelta(days=rnd.randint(1, 700))
            for j in range(k - 1):
                if rnd.random() < 0.3:  # a concurrent second contract (two part-time jobs)
                    spans.append((current - datetime.timedelta(days=rnd.randint(0, 400)), None))
                else:
                    stop = current - datetime.timedelta(days=rnd.randint(1, 60) + (k - 2 - j) * 900)
                    spans.append((stop - datetime.timedelta(days=rnd.randint(90, 2000)), stop))
            spans.append((current, last_end))
        for seq, (start, end) in enumerate(spans, 1):
            etype = rnd.choices(("Internal", "External", "Temporary", "Intern"), weights=(85, 7, 6, 2))[0]
            fte = rnd.choices(("1", "0.9", "0.8", "0.6", "0.5", "0.4"), weights=(55, 10, 15, 8, 10, 2))[0]
            # Now and then a contract sits in another department than the person's main one (movers).
            unit = dept if rnd.random() < 0.9 or seq == len(spans) else departments[rnd.randrange(units)][0]
            func = function_codes[rnd.randrange(len(function_codes))][0]
            contract_rows.append([p.code, str(seq), etype, fte, dmy(start), dmy(end) if end else "",
                                  manager, unit, func, "CC%04d" % (int(unit[1:]) % 997)])

    persons_header = ["EmployeeCode", "EmployeeNumber", "Initials", "NickName", "FirstName", "NamePrefix",
                      "LastName", "DateOfBirth", "Gender", "PartnerNamePrefix", "PartnerName",
                      "PreferredNaming", "EmailBusiness", "Blocked", canary_column]
    persons_rows = [persons_header]
    for p in persons:
        persons_rows.append([p.code, p.number, initials_of(p.given), p.nick, p.given, p.prefix, p.family,
                             p.dob, p.gender, p.partner_prefix, p.partner, p.naming, p.email, p.blocked,
                             p.canary])
    contracts_header = ["EmployeeCode", "ContractSequenceNumber", "EmployeeType", "FTE", "ContractStartDate",
                        "ContractEndDate", "Manager", "OrganizationalUnit", "FunctionCode", "CostCentre"]
    tables = {
        "persons.csv": persons_rows,
        "contracts.csv": [contracts_header] + contract_rows,
        "departments.csv": [["ExternalId", "Name", "DisplayName", "ManagerExternalId", "ParentExternalId"]]
        + departments,
        "functions.csv": [["FunctionCode", "FunctionDescription"]] + [list(f) for f in function_codes],
    }
    manifest = {
        "generator": "bench/generate.py",
        "persons": n,
        "contracts": len(contract_rows),
        "departments": units,
        "functions": len(function_codes),
        "seed": seed,
        "today": today.isoformat(),
        "status": counts,
        "collisions": dict(("%s %s" % (g, (pre + " " + fam).strip()), int(round(n * s)))
                           for s, g, pre, fam in COLLISIONS),
        "canary_column": canary_column,
        "canary_prefix": "CANARY-%s-" % canary_token,
    }
    return tables, manifest


def mapping_document(out):
    """``jml_sources`` for the generated files: the demo's HelloID mapping set, absolute paths."""
    out = os.path.abspath(out)
    return {
        "jml_sources": [{
            "name": "synthetic",
            "type": "csv",
            "persons": {"path": os.path.join(out, "persons.csv"), "delimiter": ";", "encoding": "utf-8",
                        "key": "EmployeeCode"},
            "contracts": {"path": os.path.join(out, "contracts.csv"), "delimiter": ";", "encoding": "utf-8",
                          "key": "EmployeeCode"},
            "mapping": {
                "date_format": "%d-%m-%Y",
                "required": ["person.name.family", "contract.start"],
                "person": {
                    "id": "row.EmployeeCode",
                    "name.given": "row.NickName",
                    "name.initials": "row.Initials",
                    "name.family": "row.LastName",
                    "name.family_prefix": "row.NamePrefix",
                    "name.partner": "row.PartnerName",
                    "name.partner_prefix": "row.PartnerNamePrefix",
                    "name.convention": "row.PreferredNaming",
                    "name.display": ("row.NickName ~ ' ' ~ ({'family': row.LastName, 'family_prefix': row.NamePrefix,"
                                     " 'partner': row.PartnerName, 'partner_prefix': row.PartnerNamePrefix,"
                                     " 'convention': row.PreferredNaming} | family_name)"),
                    "email": "row.EmailBusiness",
                    "manager": "(contracts | map(attribute='Manager') | select | first) or none",
                    "custom.employee_number": "row.EmployeeNumber",
                    "custom.blocked": "row.Blocked == 'TRUE'",
                },
                "contract": {
                    "id": "row.EmployeeCode ~ '-' ~ row.ContractSequenceNumber",
                    "start": "row.ContractStartDate",
                    "end": "row.ContractEndDate",
                    "type": "row.EmployeeType",
                    "fte": "row.FTE",
                    "department.code": "row.OrganizationalUnit",
                    "title.code": "row.FunctionCode",
                    "manager": "row.Manager",
                },
            },
        }],
    }


def rules_document(department_codes, function_codes):
    """100 rules over 50 groups, a quarter of each shape real rule files hold: equality on the
    department, an ``in`` list of job titles, equality combined with another test, and conditions
    no index can serve (a string method); every tenth rule matches on any active contract."""
    departments, titles = sorted(department_codes), sorted(function_codes)
    rules = []
    for i in range(100):
        kind = i % 4
        if kind == 0:
            when = "contract.department.code == '%s'" % departments[i % len(departments)]
        elif kind == 1:
            when = "contract.title.code in ['%s', '%s']" % (titles[i % len(titles)], titles[(i + 3) % len(titles)])
        elif kind == 2:
            when = "contract.department.code == '%s' and contract.title.code != '%s'" % (
                departments[(i * 7) % len(departments)], titles[i % len(titles)])
        else:
            when = "contract.type == 'Internal' and contract.department.code.startswith('D%04d')" % (i % 7)
        rule = {"name": "rule-%03d" % i, "when": when, "groups": ["group-%02d" % (i % 50)]}
        if i % 10 == 9:
            rule["any_contract"] = True
        rules.append(rule)
    return {"rules": rules}


def _yaml_scalar(value):
    # JSON strings are valid YAML double-quoted scalars: no PyYAML needed, no quoting surprises.
    return json.dumps(value, ensure_ascii=False)


def _to_yaml(value, indent=0):
    pad = " " * indent
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append("%s%s:" % (pad, key))
                lines.extend(_to_yaml(item, indent + 2))
            else:
                lines.append("%s%s: %s" % (pad, key, _yaml_scalar(item)))
    else:
        for item in value:
            if isinstance(item, dict):
                sub = _to_yaml(item, indent + 2)
                lines.append("%s- %s" % (pad, sub[0].lstrip()))
                lines.extend(sub[1:])
            else:
                lines.append("%s- %s" % (pad, _yaml_scalar(item)))
    return lines


def write_all(out, tables, manifest, bom=False):
    os.makedirs(out, exist_ok=True)
    for name, rows in tables.items():
        encoding = "utf-8-sig" if bom and name == "contracts.csv" else "utf-8"
        with open(os.path.join(out, name), "w", encoding=encoding, newline="") as handle:
            csv.writer(handle, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)
    document = mapping_document(out)
    if bom:
        document["jml_sources"][0]["contracts"]["encoding"] = "utf-8-sig"
    with open(os.path.join(out, "mapping.yml"), "w", encoding="utf-8") as handle:
        handle.write("---\n# Generated by bench/generate.py (seed %s, %d persons, today %s).\n"
                     % (manifest["seed"], manifest["persons"], manifest["today"]))
        handle.write("\n".join(_to_yaml(document)) + "\n")
    rules = rules_document([row[0] for row in tables["departments.csv"][1:]],
                           [row[0] for row in tables["functions.csv"][1:]])
    with open(os.path.join(out, "rules.yml"), "w", encoding="utf-8") as handle:
        handle.write("---\n# Generated by bench/generate.py: 100 rules over 50 groups.\n")
        handle.write("\n".join(_to_yaml(rules)) + "\n")
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, ensure_ascii=False)
        handle.write("\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--persons", type=int, default=1000, help="number of persons (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", required=True, help="output folder (created)")
    parser.add_argument("--today", default=None,
                        help="reference date YYYY-MM-DD for future joiners and leavers (default: today)")
    parser.add_argument("--canary", default="CanarySecret", help="name of the canary column in persons.csv")
    parser.add_argument("--bom", action="store_true", help="write contracts.csv with a UTF-8 BOM (as HelloID does)")
    args = parser.parse_args(argv)
    if args.persons < 1:
        parser.error("--persons must be at least 1")
    today = datetime.date.fromisoformat(args.today) if args.today else datetime.date.today()
    started = time.perf_counter()
    tables, manifest = generate(args.persons, args.seed, today, args.canary)
    write_all(args.out, tables, manifest, bom=args.bom)
    sys.stderr.write("%s: %d persons, %d contracts, %d departments in %.2f s\n"
                     % (args.out, manifest["persons"], manifest["contracts"], manifest["departments"],
                        time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
