/**
 * Word lists for realistic seed data. Non-ASCII names are deliberate: they exercise Unicode handling downstream.
 * Each entry carries the ASCII spelling used for e-mail local parts, as mail systems usually do.
 */

/** A name and the ASCII form used in e-mail addresses. */
export interface Name {
  readonly name: string
  readonly ascii: string
}

const plain = (names: ReadonlyArray<string>): ReadonlyArray<Name> =>
  names.map((name) => ({ name, ascii: name.toLowerCase() }))

export const givenNames: ReadonlyArray<Name> = [
  ...plain([
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Daniel",
    "Nancy",
    "Matthew",
    "Lisa",
    "Anthony",
    "Betty",
    "Mark",
    "Margaret",
    "Steven",
    "Sandra",
    "Paul",
    "Ashley",
    "Andrew",
    "Emily",
    "Joshua",
    "Donna",
    "Kevin",
    "Michelle",
    "Brian",
    "Carol",
    "George",
    "Amanda",
    "Timothy",
    "Melissa",
    "Ronald",
    "Deborah",
    "Jason",
    "Stephanie",
    "Ryan",
    "Rebecca",
    "Priya",
    "Arjun",
    "Wei",
    "Mei",
    "Hiroshi",
    "Yuki",
    "Olga",
    "Ivan",
    "Fatima",
    "Omar",
    "Aisha",
    "Kwame",
    "Ngozi",
    "Mateo",
    "Lucia",
    "Sofia",
    "Liam",
    "Noah",
    "Emma",
    "Olivia",
  ]),
  { name: "José", ascii: "jose" },
  { name: "Zoë", ascii: "zoe" },
  { name: "Łukasz", ascii: "lukasz" },
  { name: "Søren", ascii: "soren" },
  { name: "Renée", ascii: "renee" },
  { name: "Björn", ascii: "bjorn" },
  { name: "François", ascii: "francois" },
  { name: "Zoltán", ascii: "zoltan" },
  { name: "İlkay", ascii: "ilkay" },
  { name: "Ñuño", ascii: "nuno" },
  { name: "Дмитрий", ascii: "dmitriy" },
  { name: "Αλέξανδρος", ascii: "alexandros" },
  { name: "美咲", ascii: "misaki" },
  { name: "伟", ascii: "wei" },
]

export const familyNames: ReadonlyArray<Name> = [
  ...plain([
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Patel",
    "Shah",
    "Chen",
    "Wang",
    "Kim",
    "Park",
    "Sato",
    "Tanaka",
    "Okafor",
    "Mensah",
  ]),
  { name: "O'Brien", ascii: "obrien" },
  { name: "Müller", ascii: "mueller" },
  { name: "Øvergård", ascii: "overgard" },
  { name: "Núñez", ascii: "nunez" },
  { name: "Kowalczyk-Wiśniewska", ascii: "kowalczyk-wisniewska" },
  { name: "Dvořák", ascii: "dvorak" },
  { name: "Şahin", ascii: "sahin" },
  { name: "Ferreira da Conceição", ascii: "ferreira" },
  { name: "Иванова", ascii: "ivanova" },
  { name: "Παπαδόπουλος", ascii: "papadopoulos" },
  { name: "山田", ascii: "yamada" },
  { name: "李", ascii: "li" },
]

export const middleNames: ReadonlyArray<string> = ["Ann", "Lee", "Marie", "James", "Grace", "Jean", "Ray", "Lynn"]

export const jobTitles: ReadonlyArray<string> = [
  "Account Executive",
  "Sales Manager",
  "Marketing Coordinator",
  "Customer Success Manager",
  "Office Manager",
  "Bookkeeper",
  "Operations Lead",
  "Support Specialist",
  "Founder",
  "Consultant",
  "Copywriter",
  "Designer",
]

export const timeZones: ReadonlyArray<string> = [
  "America/New_York",
  "America/Chicago",
  "America/Denver",
  "America/Phoenix",
  "America/Los_Angeles",
  "Europe/London",
  "Europe/Berlin",
  "Asia/Tokyo",
  "Australia/Sydney",
  "America/Sao_Paulo",
]

/** Company names of the sandbox's Keap accounts, one per tenant (reused with a suffix past the end). */
export const companyNames: ReadonlyArray<string> = [
  "Northwind Traders",
  "Contoso Coaching",
  "Fabrikam Fitness",
  "Tailspin Realty",
  "Wingtip Marketing",
  "Adventure Works Dental",
  "Lucerne Legal",
  "Margie's Travel",
  "Proseware Studio",
  "Woodgrove Wellness",
]

/** The organisation's own mail domain: most staff addresses live here. */
export const staffDomain = "northwind.example"

/** Other domains people use: personal mailboxes, partner agencies. Reserved `.example` names only. */
export const personalDomains: ReadonlyArray<string> = ["mail.example", "inbox.example", "post.example"]
export const partnerDomains: ReadonlyArray<string> = ["brightagency.example", "growthpartners.example"]

/** Local parts of shared mailboxes. */
export const sharedMailboxes: ReadonlyArray<string> = ["sales", "support", "frontdesk", "billing", "info"]

/** User groups every sandbox tenant has. */
export const userGroupNames: ReadonlyArray<string> = ["Administrators", "Sales", "Marketing", "Support", "Accounting"]
