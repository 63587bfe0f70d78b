"""Small vocabularies for plausible names, addresses and product texts.

Kept short on purpose: variety comes from combining them, and uniqueness (e-mails,
codes) comes from record indexes, not from the word lists.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

FIRST_NAMES = {
    "CZ": [("Jan", "m"), ("Petr", "m"), ("Tomáš", "m"), ("Martin", "m"), ("Jakub", "m"),
           ("Lukáš", "m"), ("Pavel", "m"), ("David", "m"), ("Jana", "f"), ("Eva", "f"),
           ("Lucie", "f"), ("Kateřina", "f"), ("Tereza", "f"), ("Veronika", "f"),
           ("Markéta", "f"), ("Michaela", "f")],
    "SK": [("Ján", "m"), ("Peter", "m"), ("Martin", "m"), ("Michal", "m"), ("Tomáš", "m"),
           ("Mária", "f"), ("Zuzana", "f"), ("Lucia", "f"), ("Katarína", "f"), ("Jana", "f")],
    "DE": [("Lukas", "m"), ("Felix", "m"), ("Jonas", "m"), ("Maximilian", "m"), ("Paul", "m"),
           ("Anna", "f"), ("Laura", "f"), ("Lea", "f"), ("Sophie", "f"), ("Marie", "f")],
    "AT": [("Florian", "m"), ("Tobias", "m"), ("Stefan", "m"), ("Katharina", "f"),
           ("Julia", "f"), ("Hannah", "f")],
    "PL": [("Piotr", "m"), ("Krzysztof", "m"), ("Tomasz", "m"), ("Anna", "f"),
           ("Katarzyna", "f"), ("Agnieszka", "f")],
    "HU": [("László", "m"), ("Zoltán", "m"), ("Gábor", "m"), ("Katalin", "f"),
           ("Erzsébet", "f"), ("Zsófia", "f")],
}

# (male, female) surname forms; languages without gendered surnames repeat it.
LAST_NAMES = {
    "CZ": [("Novák", "Nováková"), ("Svoboda", "Svobodová"), ("Novotný", "Novotná"),
           ("Dvořák", "Dvořáková"), ("Černý", "Černá"), ("Procházka", "Procházková"),
           ("Kučera", "Kučerová"), ("Veselý", "Veselá"), ("Horák", "Horáková"),
           ("Němec", "Němcová"), ("Marek", "Marková"), ("Pokorný", "Pokorná")],
    "SK": [("Horváth", "Horváthová"), ("Kováč", "Kováčová"), ("Varga", "Vargová"),
           ("Tóth", "Tóthová"), ("Nagy", "Nagyová"), ("Baláž", "Balážová"),
           ("Molnár", "Molnárová"), ("Lukáč", "Lukáčová")],
    "DE": [("Müller", "Müller"), ("Schmidt", "Schmidt"), ("Schneider", "Schneider"),
           ("Fischer", "Fischer"), ("Weber", "Weber"), ("Meyer", "Meyer"),
           ("Wagner", "Wagner"), ("Becker", "Becker"), ("Hoffmann", "Hoffmann")],
    "AT": [("Gruber", "Gruber"), ("Huber", "Huber"), ("Bauer", "Bauer"),
           ("Wagner", "Wagner"), ("Pichler", "Pichler")],
    "PL": [("Nowak", "Nowak"), ("Kowalski", "Kowalska"), ("Wiśniewski", "Wiśniewska"),
           ("Wójcik", "Wójcik"), ("Kamiński", "Kamińska")],
    "HU": [("Nagy", "Nagy"), ("Kovács", "Kovács"), ("Tóth", "Tóth"), ("Szabó", "Szabó"),
           ("Horváth", "Horváth")],
}

# (city, zip, district/region name, region shortcut)
CITIES = {
    "CZ": [("Praha", "110 00", "Hlavní město Praha", "PHA"), ("Brno", "602 00", "Jihomoravský", "JHM"),
           ("Ostrava", "702 00", "Moravskoslezský", "MSK"), ("Plzeň", "301 00", "Plzeňský", "PLK"),
           ("Liberec", "460 01", "Liberecký", "LBK"), ("Olomouc", "779 00", "Olomoucký", "OLK"),
           ("České Budějovice", "370 01", "Jihočeský", "JHC"),
           ("Hradec Králové", "500 02", "Královéhradecký", "HKK"),
           ("Pardubice", "530 02", "Pardubický", "PAK"), ("Zlín", "760 01", "Zlínský", "ZLK")],
    "SK": [("Bratislava", "811 01", "Bratislavský", "BA"), ("Košice", "040 01", "Košický", "KE"),
           ("Prešov", "080 01", "Prešovský", "PO"), ("Žilina", "010 01", "Žilinský", "ZA"),
           ("Nitra", "949 01", "Nitriansky", "NR"), ("Banská Bystrica", "974 01", "Banskobystrický", "BB"),
           ("Trnava", "917 01", "Trnavský", "TT")],
    "DE": [("Berlin", "10115", "Berlin", "BE"), ("München", "80331", "Bayern", "BY"),
           ("Hamburg", "20095", "Hamburg", "HH"), ("Köln", "50667", "Nordrhein-Westfalen", "NW"),
           ("Frankfurt am Main", "60311", "Hessen", "HE"), ("Stuttgart", "70173", "Baden-Württemberg", "BW"),
           ("Leipzig", "04109", "Sachsen", "SN"), ("Dresden", "01067", "Sachsen", "SN")],
    "AT": [("Wien", "1010", "Wien", "W"), ("Graz", "8010", "Steiermark", "ST"),
           ("Linz", "4020", "Oberösterreich", "OO"), ("Salzburg", "5020", "Salzburg", "S")],
    "PL": [("Warszawa", "00-001", "mazowieckie", "MZ"), ("Kraków", "30-001", "małopolskie", "MA"),
           ("Wrocław", "50-001", "dolnośląskie", "DS"), ("Poznań", "60-001", "wielkopolskie", "WP")],
    "HU": [("Budapest", "1011", "Budapest", "BU"), ("Debrecen", "4024", "Hajdú-Bihar", "HB"),
           ("Szeged", "6720", "Csongrád-Csanád", "CS")],
}

STREETS = {
    "CZ": ["Hlavní", "Nádražní", "Školní", "Zahradní", "Krátká", "Polní", "Lipová", "Husova",
           "Masarykova", "Palackého", "Komenského", "Smetanova"],
    "SK": ["Hlavná", "Školská", "Záhradná", "Štúrova", "Hviezdoslavova", "Kollárova", "Mierová"],
    "DE": ["Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schulstraße", "Bergstraße",
           "Lindenstraße", "Kirchweg"],
    "AT": ["Hauptplatz", "Bahnhofstraße", "Kirchengasse", "Lindengasse"],
    "PL": ["Długa", "Krótka", "Ogrodowa", "Szkolna", "Lipowa"],
    "HU": ["Fő utca", "Kossuth Lajos utca", "Petőfi utca", "Rákóczi út"],
}

PHONE_PREFIX = {"CZ": ("+420", "67"), "SK": ("+421", "9"), "DE": ("+49", "1"),
                "AT": ("+43", "6"), "PL": ("+48", "56"), "HU": ("+36", "237")}

MAIL_DOMAINS = {
    "CZ": ["seznam.cz", "email.cz", "gmail.com", "centrum.cz", "post.cz"],
    "SK": ["azet.sk", "gmail.com", "post.sk", "centrum.sk"],
    "DE": ["gmx.de", "web.de", "gmail.com", "t-online.de"],
    "AT": ["gmx.at", "gmail.com", "aon.at"],
    "PL": ["wp.pl", "onet.pl", "gmail.com"],
    "HU": ["freemail.hu", "gmail.com", "citromail.hu"],
}

COMPANY_SUFFIX = {"CZ": "s.r.o.", "SK": "s.r.o.", "DE": "GmbH", "AT": "GmbH", "PL": "sp. z o.o.",
                  "HU": "Kft."}

# Parallel vocabularies: index k means the same thing in every language.
LANGS = ("cs", "sk", "de", "en", "pl", "hu")
NOUNS = [
    ("Konvička", "Kanvica", "Gießkanne", "Watering can", "Konewka", "Öntözőkanna"),
    ("Lopatka", "Lopatka", "Schaufel", "Trowel", "Łopatka", "Lapát"),
    ("Květináč", "Kvetináč", "Blumentopf", "Flower pot", "Doniczka", "Virágcserép"),
    ("Hrnek", "Hrnček", "Becher", "Mug", "Kubek", "Bögre"),
    ("Batoh", "Batoh", "Rucksack", "Backpack", "Plecak", "Hátizsák"),
    ("Láhev", "Fľaša", "Flasche", "Bottle", "Butelka", "Palack"),
    ("Deka", "Deka", "Decke", "Blanket", "Koc", "Takaró"),
    ("Svíčka", "Sviečka", "Kerze", "Candle", "Świeca", "Gyertya"),
    ("Stavebnice", "Stavebnica", "Baukasten", "Building set", "Klocki", "Építőjáték"),
    ("Čepice", "Čiapka", "Mütze", "Cap", "Czapka", "Sapka"),
    ("Rukavice", "Rukavice", "Handschuhe", "Gloves", "Rękawice", "Kesztyű"),
    ("Lampa", "Lampa", "Lampe", "Lamp", "Lampa", "Lámpa"),
    ("Nůž", "Nôž", "Messer", "Knife", "Nóż", "Kés"),
    ("Polštář", "Vankúš", "Kissen", "Pillow", "Poduszka", "Párna"),
    ("Stan", "Stan", "Zelt", "Tent", "Namiot", "Sátor"),
    ("Víno", "Víno", "Wein", "Wine", "Wino", "Bor"),
]
ADJECTIVES = [
    ("Praktická", "Praktická", "Praktische", "Practical", "Praktyczna", "Praktikus"),
    ("Odolná", "Odolná", "Robuste", "Durable", "Wytrzymała", "Strapabíró"),
    ("Klasická", "Klasická", "Klassische", "Classic", "Klasyczna", "Klasszikus"),
    ("Lehká", "Ľahká", "Leichte", "Light", "Lekka", "Könnyű"),
    ("Prémiová", "Prémiová", "Premium", "Premium", "Premium", "Prémium"),
    ("Dětská", "Detská", "Kinder", "Kids", "Dziecięca", "Gyerek"),
    ("Velká", "Veľká", "Große", "Large", "Duża", "Nagy"),
    ("Ekologická", "Ekologická", "Öko", "Eco", "Ekologiczna", "Öko"),
]
MODELS = ["Aria", "Nova", "Terra", "Luna", "Vento", "Forte", "Piccolo", "Delta", "Orbit", "Flora"]
COLORS = [
    ("BIL", ("bílá", "biela", "weiß", "white", "biały", "fehér"), "#ffffff"),
    ("CER", ("černá", "čierna", "schwarz", "black", "czarny", "fekete"), "#000000"),
    ("MOD", ("modrá", "modrá", "blau", "blue", "niebieski", "kék"), "#1e4fd8"),
    ("ZEL", ("zelená", "zelená", "grün", "green", "zielony", "zöld"), "#2e8b57"),
    ("CRV", ("červená", "červená", "rot", "red", "czerwony", "piros"), "#c0392b"),
    ("SED", ("šedá", "sivá", "grau", "grey", "szary", "szürke"), "#808080"),
]
SIZES = ["XS", "S", "M", "L", "XL", "XXL"]
PARAM_NAMES = {
    "color": ("Barva", "Farba", "Farbe", "Colour", "Kolor", "Szín"),
    "size": ("Velikost", "Veľkosť", "Größe", "Size", "Rozmiar", "Méret"),
}
DESCRIPTION_SENTENCES = (
    ("Vyrobeno s důrazem na kvalitu a dlouhou životnost.",
     "Vyrobené s dôrazom na kvalitu a dlhú životnosť.",
     "Mit Fokus auf Qualität und lange Lebensdauer hergestellt.",
     "Made with a focus on quality and a long service life.",
     "Wykonane z naciskiem na jakość i trwałość.",
     "Minőségre és hosszú élettartamra tervezve."),
    ("Vhodné jako dárek pro celou rodinu.", "Vhodné ako darček pre celú rodinu.",
     "Ideal als Geschenk für die ganze Familie.", "A great gift for the whole family.",
     "Idealne na prezent dla całej rodziny.", "Ideális ajándék az egész családnak."),
    ("Snadná údržba, stačí otřít vlhkým hadříkem.", "Jednoduchá údržba, stačí utrieť vlhkou handričkou.",
     "Pflegeleicht, einfach feucht abwischen.", "Easy to clean with a damp cloth.",
     "Łatwe w pielęgnacji.", "Könnyen tisztítható."),
)
BRANDS = [("gardena", "Gardena"), ("fiskars", "Fiskars"), ("tescoma", "Tescoma"),
          ("husky", "Husky"), ("lego", "LEGO"), ("bergmann", "Bergmann"), ("zelena-dilna", "Zelená dílna")]
SUPPLIERS = ["Velkoobchod Morava s.r.o.", "Central Trade GmbH", "Import Praha a.s.", "Slovdistri s.r.o.",
             "Far East Sourcing Ltd.", "Zahradnictví Brázda s.r.o.", "Rychlý sklad s.r.o.", "Nordic Goods AB"]
CATEGORIES = [
    ("Zahrada", "Záhrada", "Garten", "Garden", "Ogród", "Kert"),
    ("Domácnost", "Domácnosť", "Haushalt", "Household", "Dom", "Háztartás"),
    ("Outdoor", "Outdoor", "Outdoor", "Outdoor", "Outdoor", "Outdoor"),
    ("Hračky", "Hračky", "Spielzeug", "Toys", "Zabawki", "Játékok"),
    ("Móda", "Móda", "Mode", "Fashion", "Moda", "Divat"),
    ("Nápoje", "Nápoje", "Getränke", "Drinks", "Napoje", "Italok"),
]
COUPON_NAMES = ("Slevový kupón", "Zľavový kupón", "Gutschein", "Discount coupon", "Kupon rabatowy",
                "Kuponkód")
GIFT_NAMES = ("Dárek zdarma", "Darček zdarma", "Gratisgeschenk", "Free gift", "Prezent gratis",
              "Ajándék")


def lang_index(lang: str) -> int:
    return LANGS.index(lang) if lang in LANGS else LANGS.index("en")


@lru_cache(maxsize=4096)
def ascii_fold(text: str) -> str:
    """'Dvořáková' -> 'dvorakova' (for e-mail local parts and URL slugs)."""
    decomposed = unicodedata.normalize("NFKD", text)
    out = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return "".join(c if c.isalnum() else "-" for c in out.replace("ß", "ss").replace("ł", "l")).strip("-")

# Descriptive parameter "material" (label, then values) and product flags (code, titles), per language.
MATERIALS = (
    ("Materiál", "Materiál", "Material", "Material", "Materiał", "Anyag"),
    (("dřevo", "drevo", "Holz", "wood", "drewno", "fa"),
     ("plast", "plast", "Kunststoff", "plastic", "plastik", "műanyag"),
     ("kov", "kov", "Metall", "metal", "metal", "fém"),
     ("bavlna", "bavlna", "Baumwolle", "cotton", "bawełna", "pamut")),
)
FLAGS = (("new", ("Novinka", "Novinka", "Neu", "New", "Nowość", "Új")),
         ("action", ("Akce", "Akcia", "Aktion", "Sale", "Promocja", "Akció")),
         ("tip", ("Tip", "Tip", "Tipp", "Tip", "Polecamy", "Tipp")))
UNITS = {"cs": "ks", "sk": "ks", "de": "Stk.", "pl": "szt.", "hu": "db"}
AVAILABILITY = {
    "cs": ("Skladem", "Na objednávku"), "sk": ("Na sklade", "Na objednávku"),
    "de": ("Auf Lager", "Auf Bestellung"), "pl": ("Dostępny", "Na zamówienie"),
    "hu": ("Raktáron", "Rendelésre"),
}
