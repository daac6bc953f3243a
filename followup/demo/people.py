"""Who is in the demo mailbox: the two reps, the customer companies and their people.

Plain tables, no logic beyond turning a row into `Person` objects. A person's `client`
decides how their mail looks (Message-ID style, quoting, reply prefix); see `mail.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEMO_USER_EMAIL = "demo@example.com"
DEMO_INTERNAL_DOMAIN = "example.com"
COLLEAGUE_EMAIL = "sam@example.com"

# client codes: g = Gmail web, o = Outlook (English), d = Outlook (German: "AW:"),
# a = Apple Mail, t = Thunderbird
CLIENTS = {"g": "gmail", "o": "outlook", "d": "outlook_de", "a": "apple", "t": "thunderbird"}


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    title: str
    company: str
    tz: str
    client: str
    phone: str = ""

    @property
    def first(self) -> str:
        return self.name.split()[0]

    @property
    def domain(self) -> str:
        return self.email.rsplit("@", 1)[1]


@dataclass(frozen=True)
class Company:
    name: str
    domain: str
    country: str
    tz: str
    people: tuple[Person, ...] = field(default_factory=tuple)


REP = Person("Alex Morgan", DEMO_USER_EMAIL, "Account Manager", "Example Supplies Ltd",
             "Europe/London", "thunderbird", "+44 20 7946 0123")
COLLEAGUE = Person("Sam Okafor", COLLEAGUE_EMAIL, "Sales Representative", "Example Supplies Ltd",
                   "America/New_York", "apple", "+1 212 555 0147")

# name, domain, country, time zone, "Full Name/title/client; ..."
_COMPANY_ROWS = [
    ("Acme Tools", "acmetools.com", "US", "America/Chicago",
     "Dana Wu/Purchasing Manager/g; Mark Ellis/Operations Lead/o"),
    ("Brightline Logistics", "brightline-logistics.com", "US", "America/New_York",
     "Priya Raman/Warehouse Manager/o"),
    ("Cobalt Pharma", "cobaltpharma.com", "US", "America/Los_Angeles",
     "Tom Becker/Lab Operations/a; Grace Lin/Procurement/g"),
    ("Delta Foods", "deltafoods.co.uk", "GB", "Europe/London",
     "Oliver Hughes/Site Manager/o"),
    ("Evergreen Retail", "evergreen-retail.co.uk", "GB", "Europe/London",
     "Charlotte Price/Store Operations/g; Harry Shaw/IT Manager/t"),
    ("Fjord Marine", "fjordmarine.se", "SE", "Europe/Stockholm",
     "Lars Nyström/Inköpare/o"),
    ("Gruber Maschinenbau", "gruber-maschinenbau.de", "DE", "Europe/Berlin",
     "Jürgen Müller/Einkaufsleiter/d; Katrin Vogel/Logistik/d"),
    ("Hoffmann Elektro", "hoffmann-elektro.de", "DE", "Europe/Berlin",
     "Stefan Hoffmann/Geschäftsführer/d"),
    ("Île Cosmétiques", "ile-cosmetiques.fr", "FR", "Europe/Paris",
     "Éloïse Lefèvre/Responsable achats/a"),
    ("Jardin Bleu", "jardinbleu.fr", "FR", "Europe/Paris",
     "Camille Martin/Operations/g"),
    ("Kestrel Aviation", "kestrel-aviation.ie", "IE", "Europe/Dublin",
     "Aoife Byrne/Stores Controller/o"),
    ("Lumen Dental", "lumendental.nl", "NL", "Europe/Amsterdam",
     "Sanne de Vries/Practice Manager/g"),
    ("Molino Verde", "molinoverde.it", "IT", "Europe/Rome",
     "Giulia Romano/Acquisti/a; Marco Ricci/Magazzino/o"),
    ("Norte Textiles", "nortetextiles.es", "ES", "Europe/Madrid",
     "Javier Ortega/Jefe de compras/o"),
    ("Oakridge Hardware", "oakridgehardware.ca", "CA", "America/Toronto",
     "Emily Tremblay/Buyer/g"),
    ("Pinnacle Health", "pinnaclehealth.com.au", "AU", "Australia/Sydney",
     "Liam O'Connor/Facilities Manager/o; Chloe Nguyen/Procurement Officer/g"),
    ("Quokka Coffee", "quokkacoffee.com.au", "AU", "Australia/Perth",
     "Mia Thompson/Owner/a"),
    ("Rainier Outdoor", "rainieroutdoor.com", "US", "America/Los_Angeles",
     "Jake Sullivan/Fulfilment Lead/t"),
    ("Sakura Components", "sakura-components.jp", "JP", "Asia/Tokyo",
     "Hiroshi Tanaka/Purchasing/o"),
    ("Tidewater Brewing", "tidewaterbrewing.com", "US", "America/New_York",
     "Rachel Greene/Operations Manager/g"),
    ("Umbra Studios", "umbrastudios.co.nz", "NZ", "Pacific/Auckland",
     "Aroha Walker/Studio Manager/a"),
    ("Vantage Print", "vantageprint.co.za", "ZA", "Africa/Johannesburg",
     "Thabo Nkosi/Production Manager/o"),
    ("Westbrook Clinics", "westbrookclinics.com", "US", "America/Denver",
     "Megan Foster/Supply Chain/o; Daniel Kim/Biomedical Engineer/g"),
    ("Xenon Labs", "xenonlabs.ch", "CH", "Europe/Zurich",
     "Andrea Keller/Laborleiterin/d"),
    ("Yellowfin Seafood", "yellowfinseafood.sg", "SG", "Asia/Singapore",
     "Wei Ling Tan/Operations Executive/g"),
    ("Zenith Motors", "zenithmotors.in", "IN", "Asia/Kolkata",
     "Arjun Mehta/Stores Manager/o; Neha Sharma/Purchase Officer/g"),
    ("Alpine Bikes", "alpinebikes.at", "AT", "Europe/Vienna",
     "Lukas Wagner/Werkstattleiter/d"),
    ("Baltic Amber", "balticamber.pl", "PL", "Europe/Warsaw",
     "Agnieszka Kowalska/Kierownik zakupów/o"),
    ("Casa Nova Interiors", "casanova-interiors.com.br", "BR", "America/Sao_Paulo",
     "Rafael Souza/Compras/g"),
    ("Dune Solar", "dunesolar.com.mx", "MX", "America/Mexico_City",
     "Sofía Hernández/Almacén/g"),
    ("Ember Bakery", "emberbakery.co.uk", "GB", "Europe/London",
     "Fiona MacLeod/Owner/a"),
    ("Falcon Freight", "falconfreight.com", "US", "America/Chicago",
     "Marcus Johnson/Dispatch Manager/o"),
    ("Granite Legal", "granitelegal.co.uk", "GB", "Europe/London",
     "Imogen Clarke/Office Manager/o"),
    ("Harbor Pets", "harborpets.com", "US", "America/New_York",
     "Nicole Alvarez/Store Manager/g"),
    ("Indigo Schools", "indigoschools.org", "US", "America/Chicago",
     "Brian Walsh/Facilities Director/t"),
    ("Jade Garden Group", "jadegarden.com.sg", "SG", "Asia/Singapore",
     "Kevin Lim/Group Purchasing/o"),
    ("Kiwi Fresh", "kiwifresh.co.nz", "NZ", "Pacific/Auckland",
     "Sarah Mitchell/Packhouse Manager/g"),
    ("Lagoon Resorts", "lagoonresorts.com.au", "AU", "Australia/Brisbane",
     "Jack Wilson/Procurement/o"),
    ("Maple Leaf Pharmacy", "mapleleafpharmacy.ca", "CA", "America/Vancouver",
     "Olivia Chen/Pharmacy Manager/a"),
    ("Nordlicht Optik", "nordlicht-optik.de", "DE", "Europe/Berlin",
     "Anna Schmidt/Filialleiterin/d"),
    ("Orchid Events", "orchidevents.es", "ES", "Europe/Madrid",
     "Lucía García/Event Producer/a"),
    ("Polaris Robotics", "polarisrobotics.se", "SE", "Europe/Stockholm",
     "Erik Lindqvist/Hardware Lead/t"),
    ("Quarry Stoneworks", "quarrystone.ie", "IE", "Europe/Dublin",
     "Seán Murphy/Yard Manager/g"),
    ("Riverside Vets", "riversidevets.co.uk", "GB", "Europe/London",
     "Hannah Patel/Practice Manager/o"),
    ("Saffron Kitchens", "saffronkitchens.in", "IN", "Asia/Kolkata",
     "Rohan Iyer/Operations Head/g"),
    ("Tulip Florists", "tulipflorists.nl", "NL", "Europe/Amsterdam",
     "Daan Bakker/Owner/a"),
    ("Ursa Security", "ursasecurity.com", "US", "America/Phoenix",
     "Kyle Bennett/IT Director/o"),
    ("Verdant Farms", "verdantfarms.co.za", "ZA", "Africa/Johannesburg",
     "Naledi Dlamini/Farm Manager/g"),
]

_PHONE_PREFIX = {
    "US": "+1 {a}{b}{c} 555 0{d}{e}{f}", "CA": "+1 {a}{b}{c} 555 0{d}{e}{f}",
    "GB": "+44 20 7946 0{d}{e}{f}", "IE": "+353 1 555 0{d}{e}{f}",
    "DE": "+49 30 5550 {c}{d}{e}{f}", "AT": "+43 1 5550 {d}{e}{f}",
    "CH": "+41 44 555 {c}{d} {e}{f}", "FR": "+33 1 55 5{c} {d}{e} {f}0",
    "NL": "+31 20 555 {c}{d}{e}{f}", "IT": "+39 02 5555 {d}{e}{f}",
    "ES": "+34 91 555 {c}{d} {e}{f}", "SE": "+46 8 555 {c}{d}{e} {f}0",
    "PL": "+48 22 555 {c}{d} {e}{f}", "JP": "+81 3 5555 {c}{d}{e}{f}",
    "SG": "+65 6555 {c}{d}{e}{f}", "IN": "+91 22 5555 {c}{d}{e}{f}",
    "AU": "+61 2 5550 {c}{d}{e}{f}", "NZ": "+64 9 555 {c}{d}{e}{f}",
    "ZA": "+27 11 555 {c}{d}{e}{f}", "BR": "+55 11 5555 {c}{d}{e}{f}",
    "MX": "+52 55 5555 {c}{d}{e}{f}",
}


def _address(name: str, domain: str) -> str:
    ascii_name = (name.lower().replace("ü", "ue").replace("ö", "oe").replace("ä", "ae")
                  .replace("é", "e").replace("è", "e").replace("ë", "e").replace("ï", "i")
                  .replace("í", "i").replace("á", "a").replace("ú", "u").replace("ó", "o")
                  .replace("'", ""))
    first, last = ascii_name.split()[0], ascii_name.split()[-1]
    return f"{first}.{last}@{domain}"


def _phone(country: str, index: int) -> str:
    digits = f"{(index * 7919 + 1237) % 1000000:06d}"
    return _PHONE_PREFIX[country].format(**dict(zip("abcdef", digits)))


def build_companies() -> list[Company]:
    companies = []
    for index, (name, domain, country, tz, people) in enumerate(_COMPANY_ROWS):
        persons = []
        for offset, row in enumerate(people.split(";")):
            full, title, client = (part.strip() for part in row.split("/"))
            persons.append(Person(full, _address(full, domain), title, name, tz, CLIENTS[client],
                                  _phone(country, index * 3 + offset)))
        companies.append(Company(name, domain, country, tz, tuple(persons)))
    return companies


# Senders that are not people: bulk mail and machines.
NEWSLETTERS = [
    # name, address, list id, time zone
    ("PackRight Deals", "news@packright-deals.com", "deals.packright-deals.com", "America/New_York"),
    ("LabelWorld Weekly", "newsletter@labelworld.io", "weekly.labelworld.io", "Europe/Berlin"),
    ("Trade Supply Digest", "digest@tradesupply-digest.co.uk", "digest.tradesupply-digest.co.uk",
     "Europe/London"),
]

NOTIFIERS = [
    # name, address, what it notifies about
    ("ParcelGo Tracking", "no-reply@parcelgo.com", "shipment"),
    ("Invoicely", "noreply@invoicely.app", "invoice"),
    ("Calendar", "calendar-notification@google.com", "calendar"),
    ("CRMCloud", "notifications@crmcloud.io", "crm"),
]

PRODUCTS = [
    # name, unit price (GBP), typical quantity
    ("TX-200 thermal label printer", 389, 4),
    ("TX-400 industrial label printer", 1240, 2),
    ("100x150 mm shipping label rolls", 18, 200),
    ("wax-resin ribbons (110 mm)", 9, 150),
    ("HS-9 handheld barcode scanner", 215, 10),
    ("2-year on-site service plan", 480, 3),
    ("RFID tag starter kit", 690, 1),
    ("58 mm receipt paper rolls", 2, 500),
]
