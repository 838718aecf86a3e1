"""The words patients use, mapped onto the words the curated snippets use.

Everything here is data about *language*, not medicine: which words mean naltrexone or alcohol,
which name another medicine (a question about those must not be answered with naltrexone facts),
which mark advertising, small talk or another language. Keys are written as patients write them
(lower case, no apostrophes); bot/qa/retrieval.py stems them the same way it stems the snippets.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "AD_WORDS",
    "DOSING_WORDS",
    "FILLER_WORDS",
    "FOREIGN_LANGUAGE_WORDS",
    "MEDICINE_CLASSES",
    "PATIENT_WORDS",
    "PEOPLE_WORDS",
    "PHRASES",
    "PRODUCT",
    "PRODUCT_NAMES",
    "RX_PREFIX",
    "SMALL_TALK_WORDS",
    "SPANISH_STOPWORDS",
    "SPANISH_WORDS",
    "STOPWORDS",
    "SYNONYMS",
    "THANKS_WORDS",
]


def _wordset(text: str) -> frozenset[str]:
    """Whitespace-separated words; long word lists read better as a block of text."""
    return frozenset(text.split())


# Function words and question framing ("is it safe", "is that normal", "can I"). They say how a
# question is asked, not what it is about, so they are neither indexed nor counted as unmatched.
STOPWORDS: Final = _wordset(
    """
    a about above after again against ago all almost along already also although always am among
    an and another any anybody anyone anything anyway anyways are around as ask asked asking at
    away b be because been before being below between both but by can cant could couldnt d
    did didnt do does doesnt doing done dont down during each either else enough etc even ever
    every exactly f few fine for from further get gets getting go goes going gonna good got
    gotta guess guys had hadnt has hasnt have havent having he hed hell hello hes hey hi him
    himself his how hows however i id ill im into is isnt it itd itll its itself ive just k
    kind kinda know knew known let lets like likely literally lol m maybe me mean means might
    mine more most much must my myself n need needs neither never no nope nor not now o of
    off oh ok okay on once one only onto or other others otherwise our ours ourselves out over
    own per please pls plz pretty probably put quite r rather re really right s said same say
    says see seem seems shall she shed shell shes should shouldnt since so some somebody someone
    something sometimes somewhat soon sort still stuff such sure t tbh than thank thanks that
    thats the their theirs them themselves then there theres these they theyd theyll theyre
    theyve thing things think thinking this those though thought thru thx till to too totally
    try trying ty u uh um umm under until up upon ur us use used v very via w want wanna wanted
    wants was wasnt way we wed well went were werent weve what whatever whats when whenever
    where whether which while who whoever whole whom whos whose why will with within wo wondering
    wonder wont would wouldnt x y yeah yep yes yet you youd youll your youre yours yourself
    youve z safe normal ok alright bad okay happen happens happened happening in if many make
    makes made making possible necessary together instead problem problems issue issues next
    today tonight yesterday tomorrow morning evening afternoon week weekend currently recently
    work works working worked old take takes taking took taken left leave leaves leaving turn
    turns turning turned last kept keep keeps
    """
)
# "use" and "used" are stop words because "can I use X" is framing; the craving snippets carry
# "want to use" as a phrase instead (see PHRASES). "work" and "take" are framing too ("how does it
# work", "can I take it with..."): what it works on, or what is taken, is the content.

# Words that say how someone talks, not what they ask: chat fillers, intensifiers, hedges, the
# preface of a question ("quick question", "sorry, dumb question"). Like stop words they are
# neither indexed nor counted against a snippet, so "is drinking ok af" is as clear as "is
# drinking ok". Kept apart from STOPWORDS because language screening counts STOPWORDS as
# English and small talk is made of them.
FILLER_WORDS: Final = _wordset(
    """
    af asf nah naw nope yea yeah yup ya yah actually actual honestly honest seriously
    legit legitly lowkey highkey ngl tbh tbf fr frfr imo imho idk dunno lmao lmfao
    rofl lol lolol omg omfg smh bruh bro bros dude dudes fam sis yo um umm ummm uh uhh hmm hmmm
    welp btw quick quickly question questions q random dumb stupid silly sorry curious
    wondering wondered wonder asking asked ask real super definitely def prob probs anyway
    anyways tho though please pls plz yall folks hey heya hiya again also still ever even
    honestly whatever somehow idea ideas clue figured figure guess guessing okay ok alright
    sure exactly basically simply seriously genuinely truly gotcha aight
    tell telling told explain explaining wanted know knowing understand
    monday mondays tuesday tuesdays wednesday wednesdays thursday thursdays friday fridays
    saturday saturdays sunday sundays january february march april june july august september
    october november december tonite weekends
    people person someone somebody anybody everybody everyone guy guys gal
    """
)
# (The days and months above say when, not what; "may" is a stop word already.)

# Who someone is talking about. In a sentence of context around the question ("my husband is on
# the shot. what does an overdose look like?") they say who, never what, so they are not counted
# there; in the question itself ("should my wife know?") they are.
PEOPLE_WORDS: Final = _wordset(
    """
    husband husbands wife wifes wives partner partners boyfriend bf girlfriend gf fiance fiancee
    spouse mom moms mother mum dad dads father parents parent son sons daughter daughters kid
    kids child children baby brother brothers sister sisters sibling siblings aunt uncle cousin
    grandma grandpa grandmother grandfather family friend friends buddy roommate coworker
    coworkers boss neighbor neighbour sponsor counselor therapist nurse doctor teen teenager
    """
)

# Spanish function words: the Spanish example questions are indexed too, and these say how a
# question is asked ("¿puedo ... con ...?"), not what it is about.
SPANISH_STOPWORDS: Final = _wordset(
    """
    a al algo algun alguna algunas alguno algunos ante antes aqui asi aun cada como con contra
    cual cuales cuando de del desde donde dos el ella ellas ellos en entre era eres es esa esas
    ese eso esos esta estaba estan estar estas este esto estos estoy fue ha hace hacer hay la
    las le les lo los me mi mis mucho muy nada ni no nos o os otra otro para pero poco por porque
    pregunta puede pueden puedo pues que quien se sea ser si sin sobre solo son soy su sus tal
    tambien tanto te tengo tiene tienen toda todo todos tu tus un una uno unos usted ustedes va
    vez y ya yo hola oye bueno pues favor gracias debo debe deberia seguro normal malo bien
    """
)

# Patients' spellings and abbreviations, rewritten to the ordinary words the content and the
# rest of the lexicon use before anything else ("appt" -> "appointment", "every1" -> "everyone",
# "pressed pills" -> "fentanyl"). Values may be several words or empty (dropped).
PATIENT_WORDS: Final[dict[str, str]] = {
    # chat spellings
    "every1": "everyone", "some1": "someone", "any1": "anyone", "no1": "no one",
    "2day": "today", "2nite": "tonight", "2night": "tonight", "2morrow": "tomorrow",
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmw": "tomorrow", "b4": "before", "l8r": "later",
    "bc": "because", "cuz": "because", "coz": "because", "bcuz": "because", "abt": "about",
    "wat": "what", "wut": "what", "wht": "what", "hw": "how", "ppl": "people", "yr": "your",
    "wen": "when", "wit": "with", "w": "with", "thru": "through",
    "lemme": "let me", "gimme": "give me", "wont": "will not", "aint": "is not",
    "shud": "should", "shld": "should", "cud": "could", "wud": "would", "k": "ok",
    "mins": "minutes", "hrs": "hours", "hr": "hour", "wk": "week", "wks": "weeks",
    "mo": "month", "mos": "months",
    # In a naltrexone chat, "my medicine" is naltrexone.
    "my medicine": "naltrexone", "my medicines": "naltrexone", "my medication": "naltrexone",
    "my meds": "naltrexone", "my med": "naltrexone", "this medicine": "naltrexone",
    "this medication": "naltrexone", "this med": "naltrexone", "this drug": "naltrexone",
    "this stuff": "naltrexone", "my prescription": "naltrexone",
    # care and the health system
    "doc": "doctor", "docs": "doctor", "dr": "doctor", "drs": "doctor", "md": "doctor",
    "appt": "appointment", "appts": "appointment", "apt": "appointment",
    "apts": "appointment",
    "script": "prescription", "scripts": "prescription", "scrip": "prescription",
    "scrips": "prescription",
    "pharm": "pharmacy", "pharmacist": "pharmacy", "chemist": "pharmacy", "drugstore": "pharmacy",
    "cvs": "pharmacy", "walgreens": "pharmacy", "rite aid": "pharmacy", "riteaid": "pharmacy",
    "duane reade": "pharmacy", "walmart pharmacy": "pharmacy", "kroger pharmacy": "pharmacy",
    "costco pharmacy": "pharmacy", "target pharmacy": "pharmacy", "amazon pharmacy": "pharmacy",
    "publix": "pharmacy", "safeway": "pharmacy", "meijer": "pharmacy", "wegmans": "pharmacy",
    "heb": "pharmacy", "drug store": "pharmacy",
    "ems": "emergency", "paramedic": "emergency",
    "paramedics": "emergency", "ambulance": "emergency", "urgent care": "emergency",
    "hospital": "emergency", "hosp": "emergency", "911": "emergency",
    # drugs, as the street and the clinic say them
    "fent": "fentanyl", "fetty": "fentanyl", "fentanyl pills": "fentanyl",
    "pressed pills": "fentanyl", "pressed pill": "fentanyl", "pressies": "fentanyl",
    "pressed bars": "fentanyl", "m30": "fentanyl", "m30s": "fentanyl",
    "done clinic": "methadone clinic", "on done": "on methadone", "dose of done": "methadone",
    "bupe": "buprenorphine", "bupes": "buprenorphine",
    "subs": "suboxone", "sub": "suboxone", "sub strips": "suboxone",
    "subby": "suboxone", "subbies": "suboxone", "vivi": "vivitrol", "viv": "vivitrol",
    "naltrex": "naltrexone", "nal": "naltrexone",
    "bevs": "drinks", "bev": "drink", "brewski": "beer", "brewskis": "beer",
    "tallboy": "beer", "tallboys": "beer", "six pack": "beer", "sixpack": "beer",
    "twelve pack": "beer", "12 pack": "beer", "hammered": "drunk", "wasted": "drunk",
    "tipsy": "drunk", "buzzed": "drunk", "plastered": "drunk", "sloshed": "drunk",
    "peeing": "urine", "peein": "urine", "pee": "urine", "piss": "urine", "pissing": "urine",
    "preggo": "pregnant", "preggers": "pregnant", "prego": "pregnant", "bub": "baby",
    "jabbed": "injection", "jabs": "injection",
    # store-brand medicines named by what they are for (a cold medicine may hold an opioid)
    "nyquil": "cold medicine", "dayquil": "cold medicine", "theraflu": "cold medicine",
    "sudafed": "cold medicine", "mucinex": "cough medicine", "robitussin": "cough medicine",
    "delsym": "cough medicine", "tussionex": "cough medicine", "promethazine": "cough medicine",
    "imodium": "diarrhea medicine", "loperamide": "diarrhea medicine",
    "lomotil": "diarrhea medicine", "pepto": "diarrhea medicine",
    "tylenol 3": "codeine", "tylenol with codeine": "codeine", "t3": "codeine", "t3s": "codeine",
    "lean": "codeine", "purple drank": "codeine",
    "novocaine": "numbing medicine", "lidocaine": "numbing medicine",
    "local anesthetic": "numbing medicine", "numbing": "numbing medicine",
    # Spanish words patients mix in, and Spanish questions matched to the English snippets
    "naltrexona": "naltrexone", "naloxona": "naloxone", "fentanilo": "fentanyl",
    "heroina": "heroin", "opioides": "opioids", "opioide": "opioid", "opiaceos": "opiates",
    "metadona": "methadone", "buprenorfina": "buprenorphine", "suboxona": "suboxone",
    "ibuprofeno": "ibuprofen", "acetaminofen": "acetaminophen",
    "inyeccion": "injection", "inyecciones": "injection", "inyectaron": "injection",
    "pastilla": "tablet", "pastillas": "tablet", "tableta": "tablet", "tabletas": "tablet",
    "cerveza": "beer", "cervezas": "beer", "vino": "wine", "trago": "drink", "tragos": "drink",
    "borracho": "drunk", "borracha": "drunk", "sobredosis": "overdose",
    "embarazada": "pregnant", "embarazo": "pregnancy", "amamantar": "breastfeed",
    "higado": "liver", "orina": "urine", "efectos secundarios": "side effects",
    "antojos": "cravings", "ansias": "cravings", "recaida": "relapse", "recai": "relapsed",
    "abstinencia": "withdrawal", "adicto": "addicted", "adictiva": "addictive",
    "adictivo": "addictive", "dolor": "pain", "cirugia": "surgery", "dentista": "dentist",
    "tomar alcohol": "drink alcohol", "tomo alcohol": "drink alcohol",
    "tomar cerveza": "drink beer", "tomo cerveza": "drink beer", "tomar vino": "drink wine",
    "tomar tragos": "drink", "beber": "drink", "bebo": "drink", "bebe": "drinks",
    "tomar": "take", "tomo": "take", "tome": "took",
    "olvide": "forgot", "olvido": "forgot", "manejar": "drive", "conducir": "drive",
    "cuanto tiempo": "how long", "cuanto dura": "how long", "dura": "lasts", "duran": "lasts",
    "dejar": "stop", "dejo": "stop", "parar": "stop", "cuerpo": "body", "sangre": "blood",
    "protege": "protect", "bloquea": "block", "bloquear": "block", "nalga": "buttock",
    "nalgas": "buttock", "duele": "hurts", "dolor de cabeza": "headache", "oscura": "dark",
    "oscuro": "dark", "amarilla": "yellow", "amarillos": "yellow", "ojos": "eyes", "piel": "skin",
    "nauseas": "nausea", "vomito": "vomit", "mareo": "dizzy", "mareado": "dizzy",
    "cansado": "tired", "cansada": "tired", "dormir": "sleep", "empece": "started",
    "empezar": "start", "antes": "before", "despues": "after", "cita": "appointment",
    "receta": "prescription", "farmacia": "pharmacy", "medico": "doctor", "doctora": "doctor",
    "enfermera": "nurse", "familia": "family", "hijo": "son", "hija": "daughter",
    "consejeria": "counseling", "terapia": "therapy", "siempre": "forever", "mes": "month",
    "semana": "week", "dias": "days", "peligroso": "dangerous", "riesgo": "risk",
    "seguro para": "safe for", "leche materna": "breast milk",
    "amamantando": "breastfeeding", "lactancia": "breastfeeding", "rinones": "kidneys",
    "drogas": "drugs", "droga": "drug", "usar": "use", "consumir": "use",
    "sobrio": "sober", "sobria": "sober", "ayuda con": "help with", "funciona": "works",
    "adiccion": "addiction",
    # quantities people name when they mean "a large amount"
    "a lot of": "large amount of", "lots of": "large amount of", "a bunch of": "large amount of",
    "a ton of": "large amount of", "tons of": "large amount of",
    # "how many strips", "how many pills a day": asking for a dose
    "how many strips": "what dose", "how many pills": "what dose", "how many tabs": "what dose",
    "how many tablets": "what dose", "how many mg": "what dose", "how many milligrams": "what dose",
}  # fmt: skip

# Surface word -> what the snippets call it. One canonical word per concept keeps BM25's term
# statistics honest (brand names, slang and the generic name all count as the same term).
SYNONYMS: Final[dict[str, str]] = {
    # naltrexone and its brands
    **dict.fromkeys(
        ["naltrexone", "naltrexon", "naltrexones", "naltrex", "naltrexon", "naltraxone", "nal",
         "vivitrol", "vivatrol", "vivitral", "revia", "depade", "ntx", "naltrexone hcl"],
        "naltrexone",
    ),
    # alcohol
    **dict.fromkeys(
        ["alcohol", "alcoholic", "alcoholics", "alcoholism", "booze", "boozing", "boozy",
         "drink", "drinks", "drinking", "drinkin", "drank", "drunk", "beer", "beers", "wine",
         "wines", "liquor", "vodka", "whiskey", "whisky", "rum", "tequila", "gin", "cocktail",
         "cocktails", "brew", "brews", "shots of", "etoh", "hungover", "hangover"],
        "alcohol",
    ),
    # opioids (the drugs naltrexone blocks, including opioid medicines)
    **dict.fromkeys(
        ["opioid", "opioids", "opiate", "opiates", "heroin", "heroine", "dope", "smack", "fent",
         "oxy", "oxys", "oxies", "oxycodone", "oxycontin",
         "perc", "percs", "percocet", "percocets", "morphine", "codeine", "hydrocodone",
         "vicodin", "norco", "dilaudid", "hydromorphone", "tramadol", "opium", "roxy", "roxies"],
        "opioid",
    ),
    # Fentanyl is an opioid, and also a topic of its own (street drugs of unknown strength).
    **dict.fromkeys(["fentanyl", "fentanil", "fentanyls", "carfentanil"], "fentanyl opioid"),
    **dict.fromkeys(["naloxone", "narcan", "kloxxado", "nalox", "zimhi", "rextovy"],
                    "naloxone"),
    **dict.fromkeys(
        ["shot", "shots", "jab", "jabs", "injection", "injections", "injectable", "inject",
         "injected", "needle shot", "depot"],
        "injection",
    ),
    **dict.fromkeys(["pill", "pills", "tablet", "tablets", "tab", "tabs", "oral"], "tablet"),
    **dict.fromkeys(
        ["med", "meds", "medicine", "medicines", "medication", "medications", "medicaton",
         "prescription", "prescriptions", "rx"],
        "medicine",
    ),
    **dict.fromkeys(["painkiller", "painkillers", "analgesic", "analgesics"], "pain medicine"),
    **dict.fromkeys(
        ["stop", "stops", "stopping", "stopped", "quit", "quits", "quitting", "discontinue",
         "discontinued", "discontinuing", "taper", "tapering", "ditch", "ditching"],
        "stop",
    ),
    **dict.fromkeys(
        ["forget", "forgot", "forgotten", "forgetting", "forgetful"], "forget"
    ),
    **dict.fromkeys(
        ["miss", "missed", "missing", "misses", "skip", "skipped", "skipping", "skiped",
         "overdue"],
        "miss",
    ),
    **dict.fromkeys(["od", "ods", "oding", "overdose", "overdoses", "overdosing"],
                    "overdose"),
    **dict.fromkeys(["crave", "craves", "craving", "cravings", "craved", "jonesing"], "craving"),
    **dict.fromkeys(["urge", "urges"], "urge"),
    **dict.fromkeys(["detox", "detoxing", "detoxed", "detoxification", "withdrawals"],
                    "detox"),
    **dict.fromkeys(["nausea", "nauseous", "nauseated", "queasy", "nauseas"], "nausea"),
    **dict.fromkeys(["vomit", "vomiting", "vomited", "puke", "puking", "puked", "throw up",
                     "throwing up", "threw up"], "vomit"),
    **dict.fromkeys(["tired", "tiredness", "exhausted", "fatigue", "fatigued", "sleepy",
                     "drowsy", "drained", "wiped"], "tired"),
    **dict.fromkeys(["headache", "headaches", "migraine", "migraines"], "headache"),
    **dict.fromkeys(["dizzy", "dizziness", "lightheaded", "woozy", "vertigo"], "dizzy"),
    **dict.fromkeys(["insomnia", "sleepless", "cant sleep"], "trouble sleeping"),
    **dict.fromkeys(["butt", "bum", "buttock", "buttocks", "glute", "glutes", "ass", "booty"],
                    "buttock"),
    **dict.fromkeys(["pee", "urine", "piss", "peeing"], "urine"),
    **dict.fromkeys(["jaundice", "jaundiced"], "yellow"),
    **dict.fromkeys(["er", "emergency room", "a and e"], "emergency"),
    **dict.fromkeys(["therapy", "therapies", "therapist", "therapists", "counseling",
                     "counselling", "counselor", "counsellor", "psychotherapy", "cbt",
                     "psychologist"], "therapy"),
    **dict.fromkeys(["addictive", "hooked", "habit forming", "habitforming"], "addictive"),
    **dict.fromkeys(["different", "difference", "differences", "versus", "vs"], "difference"),
    **dict.fromkeys(["dentist", "dental", "tooth", "teeth", "root canal", "wisdom tooth"],
                    "dentist"),
    **dict.fromkeys(["surgery", "surgeries", "operation", "procedure"], "surgery"),
    **dict.fromkeys(["override", "overcome", "bypass", "outsmart"], "override"),
    **dict.fromkeys(["blocker", "blockers", "block", "blocks", "blocking", "blockade",
                     "blocked"], "block"),
    **dict.fromkeys(["sore", "soreness", "hurt", "hurts", "hurting", "tender", "tenderness",
                     "ache", "aching", "achy"], "sore"),
    **dict.fromkeys(["lump", "lumps", "bump", "bumps", "knot"], "lump"),
    **dict.fromkeys(["itch", "itchy", "itching", "itches"], "itch"),
    **dict.fromkeys(["bracelet", "necklace", "medic alert", "medicalert", "dog tag"],
                    "bracelet"),
    **dict.fromkeys(["depression", "depressed", "depressive"], "depression"),
    **dict.fromkeys(["anxiety", "anxious", "panic"], "anxiety"),
    **dict.fromkeys(["bipolar", "manic", "mania"], "bipolar"),
    **dict.fromkeys(["clean", "sober", "sobriety", "abstinent"], "sober"),
    **dict.fromkeys(["relapse", "relapsed", "relapsing", "slip", "slipped", "lapse"],
                    "relapse"),
    **dict.fromkeys(["candidate", "suitable", "suit", "suits", "eligible"],
                    "candidate"),
    **dict.fromkeys(["forever", "lifelong", "indefinitely", "permanently"], "forever"),
    **dict.fromkeys(["fun", "enjoy", "enjoyable", "enjoyment", "pleasure", "pleasurable",
                     "rewarding", "satisfying", "kick"], "reward"),
    **dict.fromkeys(["buddy", "buddies", "friend", "friends", "pal", "pals", "crew", "homies"],
                    "friend"),
    **dict.fromkeys(["talk", "talking", "speak", "speaking", "communicate"], "speak"),
    **dict.fromkeys(["family", "families", "partner", "wife", "husband", "girlfriend",
                     "boyfriend", "roommate", "roommates", "parents", "mom", "dad", "kids",
                     "household", "loved"], "family"),
    **dict.fromkeys(["surgeon", "surgeons", "anesthesia", "anaesthesia", "anesthesiologist",
                     "anesthetist", "anaesthetist"], "surgery"),
    **dict.fromkeys(["accident", "accidents", "injured", "injuries", "broke", "broken",
                     "fracture", "crash", "wreck", "wrecked", "crashed"], "injury"),
    **dict.fromkeys(["useful", "helpful", "helps", "helped", "worth"], "help"),
    **dict.fromkeys(["spot", "spots", "place", "places", "neighborhood", "corner"], "place"),
    **dict.fromkeys(["lasts", "lasting"], "wearoff"),
    **dict.fromkeys(["research", "studies", "study", "evidence", "science", "data",
                     "trial", "trials"], "study"),
}  # fmt: skip

# Other medicines, by class. A question naming one is only answered by a snippet that lists the
# class under `mentions` (content/snippets.toml); otherwise the bot says it cannot help with that
# medicine. Classes are also what `mentions` may name.
MEDICINE_CLASSES: Final[dict[str, tuple[str, ...]]] = {
    "buprenorphine": ("buprenorphine", "bupe", "bup", "subs", "suboxone", "subutex",
                      "sublocade", "zubsolv", "brixadi"),
    "methadone": ("methadone", "methadose", "dolophine"),
    "psychiatric-medicine": ("antidepressant", "antidepressants", "ssri", "ssris", "sertraline",
                       "zoloft", "fluoxetine", "prozac", "lexapro", "escitalopram",
                       "citalopram", "celexa", "paxil", "paroxetine", "wellbutrin",
                       "bupropion", "effexor", "venlafaxine", "cymbalta", "duloxetine",
                       "trazodone", "mirtazapine", "remeron", "lithium",
                             "abilify", "aripiprazole", "antipsychotic", "antipsychotics"),
    "non-opioid-pain-reliever": ("ibuprofen", "advil", "motrin", "aleve", "naproxen",
                                 "aspirin", "tylenol", "acetaminophen", "paracetamol",
                                 "excedrin", "nsaid", "nsaids"),
    "disulfiram": ("disulfiram", "antabuse"),
    "acamprosate": ("acamprosate", "campral"),
    "gabapentinoid": ("gabapentin", "neurontin", "pregabalin", "lyrica"),
    "topiramate": ("topiramate", "topamax"),
    "benzodiazepine": ("xanax", "alprazolam", "benzo", "benzos", "benzodiazepine",
                       "benzodiazepines", "klonopin", "clonazepam", "valium", "diazepam",
                       "ativan", "lorazepam", "librium", "chlordiazepoxide"),
    "stimulant-medicine": ("adderall", "ritalin", "vyvanse", "concerta", "methylphenidate"),
    "sleep-medicine": ("ambien", "zolpidem", "melatonin", "benadryl", "diphenhydramine",
                       "unisom", "seroquel", "quetiapine"),
    "cannabis": ("weed", "marijuana", "cannabis", "thc", "cbd", "edible", "edibles", "delta8"),
    "stimulant-drug": ("meth", "methamphetamine", "cocaine", "coke", "crack", "amphetamine",
                       "amphetamines", "molly", "mdma", "ecstasy", "ketamine"),
    "blood-thinner": ("blood thinner", "blood thinners", "warfarin", "coumadin", "eliquis",
                      "apixaban", "xarelto", "rivaroxaban", "heparin", "plavix", "clopidogrel"),
    "naltrexone-other-use": ("contrave", "ldn", "low dose naltrexone", "fibromyalgia"),
    "other-medicine": ("contraceptive", "contraceptives", "birth control", "antibiotic",
                       "antibiotics", "amoxicillin", "statin", "statins", "lipitor",
                       "atorvastatin", "metformin", "insulin", "ozempic", "semaglutide",
                       "wegovy", "mounjaro", "tirzepatide", "lisinopril", "prednisone",
                       "steroid", "steroids", "viagra", "cialis", "vitamin", "vitamins",
                       "supplement", "supplements", "antihistamine", "allergy medicine",
                       "chantix", "varenicline",
                       "clonidine", "lofexidine", "lucemyra", "naltrexone implant",
                       "kratom"),
}  # fmt: skip
RX_PREFIX: Final = "rx:"

# The article's unrelated product list (and other advertising staples). Any of these marks a
# message as advertising, which is never answered.
PRODUCT: Final = "ad:product"
PRODUCT_NAMES: Final = (
    "diaetoxil", "nuubu", "regener 8", "regener8", "cbd vital", "nordic oil", "potencialex",
    "diaetostat", "figur kapseln", "viscerex", "prostaphytol", "nutra prosta", "nutra flex",
    "diaetolin", "matcha slim", "hepafar", "hepafar forte", "derila", "derila kissen",
    "exodermin", "hhc", "hhc vape", "ku2", "hyaluronsaure", "liba capsules", "ketoxplode",
    "green gummies", "liver ignite", "ketoxboom", "fruchtgummis", "viagra alternative",
    "gundry", "prodentim", "phentermine", "keto gummies", "gummies",
)  # fmt: skip
# Two or more of these (a sum of money counts as one), a link, or "50% off" make a message
# advertising.
# Words a patient may well use ("buy", "price", "store") are left out on purpose.
AD_WORDS: Final = _wordset(
    """
    discount discounts offer offers promo promotion coupon shipping deal deals click subscribe
    earn income bitcoin crypto casino limited guaranteed winner prize bonus checkout
    """
)

# Several words that mean "how much of a medicine" make a question about another medicine a
# dosing question, which the bot never answers even if a snippet mentions that medicine.
DOSING_WORDS: Final = frozenset(
    ["dose", "doses", "dosage", "dosing", "mg", "milligram", "milligrams", "much", "amount",
     "dosis", "cuanto", "cuanta", "miligramos"]
)  # fmt: skip

# Phrases rewritten to one surface word before anything else (longest first). They keep
# multi-word names and idioms together.
PHRASES: Final[dict[str, str]] = {
    "want to use": "craving",
    "wanna use": "craving",
    "urge to use": "craving",
    "come off": "stop",
    "coming off": "stop",
    "get off": "stop",
    "getting off": "stop",
    "wean off": "stop",
    "pain killer": "painkiller",
    "pain killers": "painkiller",
    "pain pills": "painkiller",
    "pain meds": "painkiller",
    "pain med": "painkiller",
    "pain medicine": "painkiller",
    "pain medication": "painkiller",
    "pain relief": "painkiller",
    "pain reliever": "painkiller",
    "pain relievers": "painkiller",
    "side effect": "sideeffect",
    "side effects": "sideeffect",
    "sied efects": "sideeffect",
    "side affects": "sideeffect",
    "side affect": "sideeffect",
    "medical id": "bracelet",
    "medical bracelet": "bracelet",
    "medical alert bracelet": "bracelet",
    "medical card": "bracelet",
    "medical alert": "bracelet",
    "wallet card": "bracelet",
    "emergency room": "er",
    "a and e": "er",
    "injection site": "injectionsite",
    "shot site": "injectionsite",
    "injection spot": "injectionsite",
    "shot area": "injectionsite",
    "where i got the shot": "injectionsite",
    "where the shot": "injectionsite",
    "root canal": "dentist",
    "wisdom tooth": "dentist",
    "throw up": "vomit",
    "throwing up": "vomit",
    "threw up": "vomit",
    "cant sleep": "insomnia",
    "habit forming": "addictive",
    "get high": "gethigh",
    "getting high": "gethigh",
    "get past": "override",
    "push through": "override",
    "break through": "override",
    "wear off": "wearoff",
    "wears off": "wearoff",
    "wearing off": "wearoff",
    "wore off": "wearoff",
    "worn off": "wearoff",
    "birth control": "contraceptive",
    "low dose naltrexone": "ldn",
    "allergy medicine": "antihistamine",
    "blood thinner": "warfarin",
    "naltrexone implant": "implant",
    "medic alert": "bracelet",
    "dog tag": "bracelet",
    "dark urine": "darkurine",
    "dark pee": "darkurine",
    "opioid free": "opioidfree",
    "opioid-free": "opioidfree",
    "in my system": "inmysystem",
    "still in my system": "inmysystem",
    "in your system": "inmysystem",
    "in your body": "inmysystem",
    "in my body": "inmysystem",
    "mental health": "mentalhealth",
    "mental illness": "mentalhealth",
    "mental illnesses": "mentalhealth",
    "every month": "monthly",
    "once a month": "monthly",
    "each month": "monthly",
    "a month": "monthly",
    "shots of": "alcohol",
    "needle shot": "injection",
    "naltrexone hcl": "naltrexone",
    "runs out": "wearoff",
    "run out": "wearoff",
    "ran out": "wearoff",
    "running out": "wearoff",
    "does it last": "wearoff",
    "do they last": "wearoff",
    # "how long does the shot last" (but not "missed my shot last week")
    "does the shot last": "injection wearoff",
    "does a shot last": "injection wearoff",
    "does one shot last": "injection wearoff",
    "does the injection last": "injection wearoff",
    "does vivitrol last": "injection wearoff",
    "does the pill last": "tablet wearoff",
    "does a pill last": "tablet wearoff",
    "does one pill last": "tablet wearoff",
    "does a dose last": "wearoff",
    "does naltrexone last": "wearoff",
    "work for me": "candidate",
    "work for everyone": "candidate",
    "work for everybody": "candidate",
    "work for anyone": "candidate",
    "right for me": "candidate",
    "good for me": "candidate",
    "be on": "duration",
    "stay on": "duration",
    "kind of drug": "definition",
    "type of drug": "definition",
    "kind of medicine": "definition",
    "type of medicine": "definition",
    "kind of medication": "definition",
    "type of medication": "definition",
    "if i use": "relapse",
    "use again": "relapse",
    "using again": "relapse",
    "want a drink": "craving alcohol",
    "want to drink": "craving alcohol",
    "crave a drink": "craving alcohol",
    "urge to drink": "craving alcohol",
    "cant stop thinking": "craving",
    "thinking about using": "craving",
    "drive past": "cue",
    "drive by": "cue",
    "walk past": "cue",
    "walk by": "cue",
    "glass of": "",
    "bottle of": "",
    "can of": "",
    # Time expressions and idioms that say when, not what: dropped.
    "next month": "",
    "last month": "",
    "this month": "",
    "next week": "",
    "last week": "",
    "this week": "",
    "end up": "",
    "ended up": "",
}
# Messages made only of these (after stop words) are small talk, answered kindly as "unknown".
THANKS_WORDS: Final = frozenset(
    ["thanks", "thank", "thx", "ty", "tysm", "thankyou", "cheers", "appreciate", "appreciated"]
)
SMALL_TALK_WORDS: Final = _wordset(
    """
    hi hello hey heya hiya yo sup howdy morning afternoon evening night gm gn bye goodbye cya
    lol lmao haha hahaha ok okay k cool nice great awesome good fine doing how are you u whats
    up wassup today going day who what is this bot name joke weather love test testing tell
    """
)

# Common words of the languages patients in US clinics most often write in, other than English.
# A question with several of these and few English words gets a reply saying the bot only
# answers in English (in Spanish too for Spanish).
SPANISH_WORDS: Final = _wordset(
    """
    que puedo puede pueden tomar tomo tomando con el los las es para por como cuando mi mis
    tengo tiene estoy esta pero del al una uno beber bebo naltrexona medicamento medicina
    efectos secundarios dosis olvide ayuda hola gracias porque se le muy mas alcoholico
    pastilla inyeccion dolor hago debo embarazada uso duele olvido sobredosis naloxona cerveza
    cuerpo hace dejar
    """
)
FOREIGN_LANGUAGE_WORDS: Final = SPANISH_WORDS | _wordset(
    """
    est ce je peux avec le les du des une un pas boire mon ma mes qui suis sont et ou dans
    sur il elle nous vous alcool avoir prendre quoi comment pourquoi lalcool jai cest
    posso com nao voce eu meu minha isso tomar
    ich kann mit und der das nicht trinken ist ein eine wie warum auch mein meine nehmen
    """
) - frozenset(["die", "was", "me", "a", "no", "so", "on", "in", "as"])
