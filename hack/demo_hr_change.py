"""Apply the demo's HR change to a working copy of the HelloID export: a joiner starting today, a
pre-hire starting in a week, a rehire (a leaver of 2015 back today), a mover and a leaver; given the leave register's folder too, a person
going on leave today. Dates are relative to today so the demo tells the same story whenever it runs."""

import csv
import datetime
import sys

folder = sys.argv[1]
today = datetime.date.today()
fmt = "{d.day}-{d.month}-{d.year}".format


def rewrite(name, encoding, change):
    path = "%s/%s" % (folder, name)
    with open(path, encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    change(rows[0], rows)
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\n").writerows(rows)


def add_joiner_person(header, rows):
    person = dict.fromkeys(header, "")
    person.update(EmployeeCode="NoahV", EmployeeNumber="9100001", Initials="N.", NickName="Noah",
                  FirstName="Noah", NamePrefix="de", LastName="Vries", PreferredNaming="0",
                  EmailBusiness="Noah.deVries@domain.local", Blocked="FALSE")
    rows.append([person[h] for h in header])
    prehire = dict.fromkeys(header, "")
    prehire.update(EmployeeCode="EwaL", EmployeeNumber="9100002", Initials="E.", NickName="Ewa", FirstName="Ewa",
                   LastName="\u0141ukasiewicz", PreferredNaming="0", EmailBusiness="Ewa.Lukasiewicz@domain.local",
                   Blocked="FALSE")
    rows.append([prehire[h] for h in header])


def change_contracts(header, rows):
    col = dict((h.lstrip("\ufeff"), i) for i, h in enumerate(header))
    joiner = dict.fromkeys(col, "")
    joiner.update(EmployeeCode="NoahV", ContractSequenceNumber="1", EmployeeType="Internal", FTE="1",
                  HoursPerWeek="40", ContractStartDate=fmt(d=today), Manager="BethanyC", Employer="1",
                  OrganizationalUnit="EN_ICT", FunctionCode="EN_MANA", CostCentre="Profit")
    rows.append([joiner[h] for h in col])
    prehire = dict(joiner, EmployeeCode="EwaL", ContractStartDate=fmt(d=today + datetime.timedelta(days=7)),
                   OrganizationalUnit="EN_ADM")
    rows.append([prehire[h] for h in col])
    # rehire: RashadW left on 4-8-2015 and comes back today (his account was never kept: a new one)
    rehire = dict(joiner, EmployeeCode="RashadW", ContractSequenceNumber="2", Manager="AmirA",
                  OrganizationalUnit="EN_SYSO", FunctionCode="EN_MANA")
    rows.append([rehire[h] for h in col])
    for row in rows[1:]:
        if row[col["EmployeeCode"]] == "BethanyC":          # mover: ICT -> Administration
            row[col["OrganizationalUnit"]] = "EN_ADM"
        if row[col["EmployeeCode"]] == "SummerH":           # leaver: last day was yesterday
            row[col["ContractEndDate"]] = fmt(d=today - datetime.timedelta(days=1))


def go_on_leave(header, rows):
    rows.append(["GabrielL", fmt(d=today), fmt(d=today + datetime.timedelta(days=90)), "PARENTAL"])


rewrite("T4E_HELLOID_Persons.csv", "utf-8", add_joiner_person)
rewrite("T4E_HelloID_Contracts.csv", "utf-8-sig", change_contracts)
print("   joiner NoahV starts %s; pre-hire EwaL starts %s; mover BethanyC -> EN_ADM; leaver SummerH ended %s"
      % (today.isoformat(), (today + datetime.timedelta(days=7)).isoformat(),
         (today - datetime.timedelta(days=1)).isoformat()))
print("   rehire: RashadW (left 2015-08-04) is back from %s" % today.isoformat())
if len(sys.argv) > 2:
    folder = sys.argv[2]
    rewrite("absences.csv", "utf-8", go_on_leave)
    print("   on leave: GabrielL from %s until %s (parental leave)"
          % (today.isoformat(), (today + datetime.timedelta(days=90)).isoformat()))
