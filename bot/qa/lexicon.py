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

# How Spanish speakers across the Americas frame, hedge and pad a question: the tú, vos
# ("tenés", "sabés", "podés") and usted forms of the framing verbs, chat spellings ("q", "xq",
# "kiero"), days, months and spelled numbers (they say when or how many, as digits do), and the
# words people call each other or stress with ("pana", "parce", "mae", "che", "wey", "boludo",
# "berraco", "cabrón"). Said alone, "pana" or "compa" is a call to the reader; "mi pana" (my
# friend) is rewritten in PATIENT_WORDS first.
_SPANISH_CHAT: Final = _wordset(
    """
    pa pos ps q k ke xq pq porq xk tmb tb tambn nesecito nesesito necesitamos kiero kero
    quieres queres queremos querer quise queria queriamos sabes sabias sabia sabemos sepa
    sepas crees cree creo creen piensas piensa tienes tenes tenemos tuve tuviste tenias
    tendria tendre tengas puedes podes podemos podia pudo podrias poder puedas seras sera
    seria serian fui fuiste fuimos estuve estuviste estuvo estabas estaban estes esten andas
    anda andan andaba vengo vienes vine venia ibas irme diste dieron das di vi vio vieron
    viendo visto ves hiciste hicieron hicimos hacemos haces hecho pasan pase pasara pasado
    quedo queda quedan quede quedado quedaron sigo sigue sigues seguir siguen seguia dijo
    dijeron dije dijiste dicho importa basta cae cayo sali salir salirme salgo salga
    vuelvo vuelve vuelves vuelven volvi volvio aca alla alli ahi ay ah aja epa ey osea
    hoy anteayer antier orita ahorita horita luego luegito mira fijate fijese digame
    decime contame cuentame expliqueme acaso quizas quiza capaz claro cierto obvio
    gente cualquiera nomas namas rapido rapida rapidito muchisimo muchisima bastante
    bastantes harto harta caleta tremendo tremenda brava bravo berraco berraca cabron
    vaina senorita senorito buenas buenos tras
    lunes martes miercoles jueves viernes sabado sabados domingo domingos finde
    enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre
    diciembre cuatro cinco seis siete ocho nueve diez doce quince veinte treinta cuarenta
    cincuenta cien
    vos vosotros pensando pensaba pense pensar buena juntos juntas junto debajo arriba
    digan apenas llegue llego llegar llegaste amaneci amanecer amanezco mando mande mandar
    iguales igualito aveces salen casi nono onda tenaz
    tremendas tremendos hiciera hicieras puesta puesto pasaron quedando aguanto aguantar
    aguanta aguantas aguantando
    pana panas parce parcero parcera mae maje che boludo boluda wey guey buey mano manito
    manita chamo chama compa compadre comadre carnal cuate mijo mija llave loco
    """
)

# Spanish function words: the Spanish example questions are indexed too, and these say how a
# question is asked ("¿puedo ... con ...?"), not what it is about.
SPANISH_STOPWORDS: Final = _SPANISH_CHAT | _wordset(
    """
    a al algo algun alguna algunas alguno algunos ante antes aqui asi aun cada como con contra
    cual cuales cuando de del desde donde dos el ella ellas ellos en entre era eres es esa esas
    ese eso esos esta estaba estan estar estas este esto estos estoy fue ha hace hacer hay la
    las le les lo los me mi mis mucho muy nada ni no nos o os otra otro para pero poco por porque
    pregunta puede pueden puedo pues que quien se sea ser si sin sobre solo son soy su sus tal
    tambien tanto te tengo tiene tienen toda todo todos tu tus un una uno unos usted ustedes va
    vez y ya yo hola oye bueno pues favor gracias debo debe deberia normal malo bien
    ahora aunque cualquier cualquiera durante e entonces hasta hacia incluso mientras nadie
    ningun ninguna ninguno nunca otras otros quienes tan todavia u unas demas mismo mismos
    mas muchas muchos haya han he has hemos sido fueron tuvo tuvieron estuvieron da dan dio
    dice dicen diga haga hacen haciendo hice hizo saber sabe saben se decir tener tenga
    teniendo tenia quiere quieren quiero quisiera pueda puedan podria podre deben debemos
    necesita necesitan necesitar necesite necesito parece suele ver verdad ejemplo forma
    cosa cosas estando estado estoy estamos estaria voy vas vamos ir iba sea fuera mire
    disculpe perdon senor senora oiga hay alguien alguna cuanta cuantas cuantos cual
    exactamente nomas pasa paso pasar pasaria pregunto preguntar eh ok okey oki ayuda cuanto
    hago digo veo van igual ayer anoche directo necesario llevo mucha doy veces vez pude pasada
    hacerme ando salio salieron quedar dando llega ademas cuenta quiera pienso sola solo
    suficiente formas mandaron vienen viene dar
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
    # Spanish, as US patients write it (accents are dropped before lookup, so keys have none):
    # each word or phrase is rewritten to the English the snippets use, so a Spanish question is
    # matched through the same index, the same model and the same calibration as an English one.
    # The medicine and its forms
    "naltrexona": "naltrexone", "naltrexonas": "naltrexone", "naltrexsona": "naltrexone",
    "naltresona": "naltrexone", "naltrecsona": "naltrexone", "naltrexina": "naltrexone",
    "naltroxona": "naltrexone", "naltexona": "naltrexone",
    "vivitro": "vivitrol", "bibitrol": "vivitrol", "vivitrel": "vivitrol",
    "mi medicina": "naltrexone", "mi medicamento": "naltrexone", "mis pastillas": "tablets",
    "mi pastilla": "tablet", "la inyeccion": "injection", "inyeccion": "injection",
    "inyecciones": "injection", "inyecion": "injection", "inyexion": "injection",
    "injeccion": "injection", "inyecsion": "injection", "injecion": "injection",
    "inyectable": "injection", "inyectar": "inject", "inyectarme": "inject",
    "inyectarse": "inject", "inyecto": "inject", "inyectan": "injection",
    "inyectaron": "injection", "inyectada": "injection", "inyectado": "injection",
    "piquete": "injection", "vacuna": "injection", "vacuna mensual": "injection",
    "el shot": "injection", "los shots": "injection",
    "pastilla": "tablet", "pastillas": "tablet", "pastiya": "tablet", "pastiyas": "tablet",
    "pastillita": "tablet", "pildora": "tablet", "pildoras": "tablet", "tableta": "tablet",
    "tabletas": "tablet", "comprimido": "tablet", "comprimidos": "tablet",
    "medicina": "medicine", "medicinas": "medicine", "medicamento": "medicine",
    "medicamentos": "medicine", "remedio": "medicine", "remedios": "medicine",
    "receta": "prescription", "recetas": "prescription", "recetar": "prescribe",
    "recetaron": "prescribed", "receto": "prescribed", "recetan": "prescribe",
    "mensual": "monthly", "cada mes": "monthly", "al mes": "month", "mes": "month",
    "meses": "months", "semana": "week", "semanas": "weeks", "dias": "days", "dia": "day",
    "horas": "hours", "hora": "hour", "manana": "morning", "noche": "night",
    "en la noche": "at night", "de noche": "at night",
    # (Regional and chat words for the forms: "pepa" is a pill in the Caribbean and Colombia,
    # "pinchazo" and "piquete" the shot; "chot" is how "shot" is often spelled.)
    "pepa": "tablet", "pepas": "tablet", "pepita": "tablet", "pepitas": "tablet",
    "pildorita": "tablet", "pildoritas": "tablet", "pastillitas": "tablet", "pasti": "tablet",
    "pastis": "tablet", "capsula": "tablet", "capsulas": "tablet", "pastiyita": "tablet",
    "pinchazo": "injection", "pinchazos": "injection", "pinchacito": "injection",
    "piquetes": "injection", "piquetito": "injection", "inyeccioncita": "injection",
    "inyecsiones": "injection", "inyeciones": "injection", "injecciones": "injection",
    "inyexiones": "injection", "chot": "injection", "chots": "injection", "pinchar": "inject",
    "pincharme": "inject", "pincharse": "inject", "pincharte": "inject", "pincho": "inject",
    "pinchas": "inject", "pincha": "inject", "pinchan": "inject", "pincharon": "injection",
    "pinchado": "injection", "pinchada": "injection", "inyectas": "inject", "inyecta": "inject",
    "inyectamos": "inject", "inyecte": "inject", "inyectaste": "inject", "inyectando": "inject",
    "inyectandome": "inject", "inyectarte": "inject", "inyectarla": "inject",
    "inyectarlo": "inject", "inyectarmela": "inject", "inyectarsela": "inject",
    "inyectaba": "inject", "inyectarnos": "inject", "inyecten": "inject", "pongan": "give",
    "ponga": "give", "pusiste": "gave", "poniendo": "give", "pones": "give", "ponermela": "get",
    "ponersela": "get", "ponertela": "get", "ponerte": "get", "recetada": "prescribed",
    "recetado": "prescribed", "recetadas": "prescribed", "recetados": "prescribed",
    "recete": "prescribed", "recetaste": "prescribed", "recetarme": "prescribe",
    "recetarle": "prescribe", "recetara": "prescribe", "prescripcion": "prescription",
    "prescrita": "prescribed", "prescrito": "prescribed", "prescribir": "prescribe",
    "prescribio": "prescribed", "sin receta": "without prescription", "diario": "daily",
    "diaria": "daily", "diarias": "daily", "diariamente": "daily", "a diario": "daily",
    "todos los dias": "daily", "cada dia": "daily", "mananas": "morning", "noches": "night",
    "madrugada": "night", "tardes": "afternoon",
    "ano": "year", "anos": "years", "anito": "year",  # "ano" is "año" with its accent dropped
    "media pastilla": "half tablet", "media dosis": "half dose", "mitad": "half",
    "mitades": "half", "partir": "cut", "partirla": "cut", "partirlas": "cut",
    "parto la": "cut the", "cortar": "cut", "cortarla": "cut",
    "a partir de": "",  # "starting from", not "split"
    "ayunas": "empty stomach", "en ayunas": "empty stomach", "vacio": "empty", "vacia": "empty",
    "comida": "food", "comidas": "food", "comer": "eat", "cafe": "coffee", "cafecito": "coffee",
    "subio": "higher", "subieron": "higher", "subir la dosis": "higher dose", "aumentar": "higher",
    "aumento": "higher", "aumentaron": "higher", "bajar": "lower", "bajarme": "lower",
    "bajaron": "lower", "bajarle": "lower", "cambiarme": "switch", "cambiarse": "switch",
    "cambiarme a": "switch to", "pasarme a": "switch to", "cambie": "change",
    "cambiaron": "change", "cambia": "change", "cambias": "change", "cambian": "change",
    "cambiando": "change", "cambiarla": "change", "cambiarlo": "change", "cambiarle": "change",
    "tipo de medicina": "type of medicine", "tipo de medicamento": "type of medicine",
    "clase de medicina": "type of medicine", "tipo de droga": "type of drug", "empezarla": "start",
    "empezarlo": "start", "empiezas": "start", "empieza": "start", "empiezan": "start",
    "empezo": "start", "empezaste": "start", "empezamos": "start", "empezando": "start",
    "empezado": "start", "empiece": "start", "empieces": "start", "comence": "start",
    "comenzo": "start", "comienzo": "start", "comienza": "start", "iniciar": "start",
    "inicio": "start", "mezclar": "mix", "mezclarlo": "mix", "mezclarla": "mix",
    "mezclarlos": "mix", "mezclo": "mix", "mezcla": "mix", "mezclan": "mix", "mezclando": "mix",
    "combinarla": "combine", "combinarlo": "combine", "combino": "combine", "combina": "combine",
    "combinan": "combine", "combinando": "combine", "diferencia": "difference",
    "diferencias": "difference", "diferente": "different", "diferentes": "different",
    "conviene": "better", "convendria": "better", "grande": "large", "grandes": "large",
    "grandote": "large", "grandota": "large",
    # alcohol, as it is said
    "alcoholismo": "alcoholism", "alcoholico": "alcoholic",
    "alcoholica": "alcoholic", "chupar": "drink", "chupe": "drink", "chupo": "drink",
    "chupando": "drinking", "chupadera": "drinking", "pisto": "alcohol", "guaro": "alcohol",
    "trago": "drink", "tragos": "drink", "copa": "drink", "copas": "drink",
    "cerveza": "beer", "cervezas": "beer", "chela": "beer", "chelas": "beer", "cheve": "beer",
    "cheves": "beer", "birra": "beer", "birras": "beer", "vino": "wine", "vinos": "wine",
    "licor": "liquor", "mezcal": "liquor", "aguardiente": "liquor", "ron": "rum",
    "bebida": "drink", "bebidas": "drinks", "beber": "drink", "bebo": "drink",
    "bebiendo": "drinking", "bebi": "drank", "bebia": "drank", "bebe": "drinks",
    "tomar alcohol": "drink alcohol", "tomo alcohol": "drink alcohol",
    "tomar cerveza": "drink beer", "tomo cerveza": "drink beer", "tomar vino": "drink wine",
    "tomar tragos": "drink", "tomarme una": "drink", "tomarme unas": "drink",
    "echarme una": "drink", "echarme unas": "drink", "echarme un": "drink",
    "sin tomar": "sober", "deje de tomar": "sober", "dejar de beber": "stop drinking",
    "dejar de chupar": "stop drinking", "ganas de tomar": "urge to drink",
    "ganas de beber": "urge to drink",
    "borracho": "drunk", "borracha": "drunk", "borrachera": "drunk", "emborrachar": "drunk",
    "emborracharme": "drunk", "emborracho": "drunk", "emborracharse": "drunk",
    "tomado": "drunk", "pedo": "drunk", "cruda": "hangover", "resaca": "hangover",
    "guayabo": "hangover",
    # Drinking, as it is said across the Americas: "escabiar" (Argentina), "pistear" (Mexico),
    # "jumo" (Puerto Rico, the Dominican Republic), "pea" and "rasca" (Venezuela, Colombia),
    # "curda" (the River Plate), "bolo" (Guatemala, El Salvador). Hangovers: "raton" (Venezuela),
    # "guayabo" (Colombia), "chuchaqui" (Ecuador), "goma" (Central America), "cruda" (Mexico),
    # "cana" (Chile; also cane liquor, alcohol either way). All are alcohol to the index.
    "chupas": "drink", "chupa": "drink", "chupamos": "drink", "chupan": "drink",
    "chupaste": "drink", "chuparon": "drink", "chupaba": "drink", "chupado": "drunk",
    "chupi": "drink", "pistear": "drink", "pisteo": "drink", "pisteando": "drinking",
    "pistee": "drink", "pistiar": "drink", "pistiando": "drinking", "pistie": "drink",
    "escabiar": "drink", "escabio": "drink", "escabie": "drink", "escabiando": "drinking",
    "bebemos": "drink", "beben": "drink", "bebiste": "drank", "bebio": "drank",
    "bebieron": "drank", "bebias": "drank", "bebian": "drank", "bebido": "drank", "beba": "drink",
    "beban": "drink", "bebiera": "drink", "bebere": "drink", "beberme": "drink",
    "beberse": "drink", "bebidas alcoholicas": "alcohol", "alcoholicos": "alcoholic",
    "alcoholicas": "alcoholic", "alcol": "alcohol", "alchol": "alcohol", "alcool": "alcohol",
    "alcojol": "alcohol", "alcohool": "alcohol", "guaros": "alcohol", "guarito": "alcohol",
    "guaritos": "alcohol", "birrita": "beer", "birritas": "beer", "chelita": "beer",
    "chelitas": "beer", "cervecita": "beer", "cervecitas": "beer", "pola": "beer", "polas": "beer",
    "caguama": "beer", "caguamas": "beer", "michelada": "beer", "micheladas": "beer",
    "una fria": "a beer", "unas frias": "beer", "las frias": "beer", "una friita": "a beer",
    "vinito": "wine", "champan": "wine", "champana": "wine", "sangria": "wine",
    "guisqui": "whiskey", "wiski": "whiskey", "tequilas": "tequila", "tequilita": "tequila",
    "rones": "rum", "roncito": "rum", "pisco": "liquor", "pulque": "alcohol", "chicha": "alcohol",
    "mamajuana": "liquor", "pitorro": "liquor", "cubata": "drink", "cubatas": "drink",
    "cana": "drink", "traguito": "drink", "traguitos": "drink", "tragito": "drink",
    "tragitos": "drink", "copita": "drink", "copitas": "drink", "tragos cortos": "drinks",
    "trago corto": "drink", "shots de tequila": "alcohol", "shot de tequila": "alcohol",
    "shots de vodka": "alcohol", "shots de ron": "alcohol", "shots de whisky": "alcohol",
    "shots de guaro": "alcohol", "shots de aguardiente": "alcohol", "shots de licor": "alcohol",
    "me eche": "", "te echaste": "", "se echo": "", "nos echamos": "", "se echaron": "",
    "echarse": "", "echarnos": "", "brindar": "drink", "brindis": "drink", "brindo": "drink",
    "emborrache": "drunk", "emborrachaste": "drunk", "emborracharon": "drunk",
    "emborrachamos": "drunk", "emborracha": "drunk", "emborrachas": "drunk",
    "emborrachan": "drunk", "emborrachando": "drunk", "emborrachado": "drunk",
    "emborrachada": "drunk", "emborracharte": "drunk", "emborracharnos": "drunk",
    "borrachos": "drunk", "borrachas": "drunk", "borrachito": "drunk", "borrachita": "drunk",
    "borrachin": "drunk", "borracheras": "drunk", "ebrio": "drunk", "ebria": "drunk",
    "embriagado": "drunk", "embriagada": "drunk", "embriagarme": "drunk", "embriaguez": "drunk",
    "tomadito": "drunk", "tomadita": "drunk", "pedisimo": "drunk", "jumo": "drunk",
    "juma": "drunk", "jumao": "drunk", "jumeta": "drunk", "bolo": "drunk", "una pea": "drunk",
    "la pea": "drunk", "una rasca": "drunk", "curda": "drunk", "hasta atras": "drunk",
    "bien pedo": "drunk", "raton": "hangover", "ratonazo": "hangover", "chuchaqui": "hangover",
    "chaqui": "hangover", "enguayabado": "hangover", "enguayabada": "hangover",
    "crudo": "hangover", "crudota": "hangover", "resacas": "hangover", "de goma": "hangover",
    "con goma": "hangover", "tengo goma": "hangover", "la goma": "hangover", "parranda": "party",
    "parrandear": "party", "farra": "party", "rumba": "party", "rumbear": "party",
    "pachanga": "party", "juerga": "party", "reventon": "party", "bonche": "party",
    "jangueo": "party", "janguear": "party", "janguiando": "party", "jangueando": "party",
    "partysear": "party", "pari": "party", "carrete": "party", "fiesta": "party",
    "fiestas": "party", "fiestear": "party", "boda": "wedding", "bodas": "wedding",
    "volvi a tomar": "relapsed drinking", "volver a tomar": "relapse drinking",
    "volvi a beber": "relapsed drinking", "volver a beber": "relapse drinking",
    "volvi a chupar": "relapsed drinking", "vuelvo a tomar": "relapse drinking", "me echo": "",
    "me pegue": "", "agarre": "", "me jale": "", "un par de": "", "par de": "",
    "botella": "bottle", "botellas": "bottle", "botella de": "", "me fume": "smoking",
    # "Palo" is a drink in the Caribbean ("echarse unos palos").
    "unos palos": "drinks", "palos": "drinks", "un palo": "a drink", "unos palitos": "drinks",
    "michelita": "beer", "michelitas": "beer", "chevecita": "beer", "chevecitas": "beer",
    "polita": "beer", "politas": "beer",
    # opioids and other drugs
    "heroina": "heroin", "chiva": "heroin", "manteca": "heroin", "opio": "opium",
    "opioides": "opioids", "opioide": "opioid", "opiaceos": "opiates", "opiaceo": "opiate",
    "opiodes": "opioids", "fentanilo": "fentanyl", "fentanil": "fentanyl",
    "fenta": "fentanyl", "fentanylo": "fentanyl", "morfina": "morphine",
    "codeina": "codeine", "hidrocodona": "hydrocodone", "oxicodona": "oxycodone",
    "oxi": "oxy", "pastillas para el dolor": "painkillers",
    "droga": "drug", "drogas": "drugs", "drogarme": "use", "drogarse": "use",
    "drogandome": "use", "drogando": "use", "meterme": "use", "me meto": "use",
    "me meti": "used", "me drogue": "used", "usar": "use", "uso": "use", "usando": "use",
    "usaba": "used", "consumir": "use", "consumo": "use", "consumiendo": "use",
    "consumi": "used", "volver a usar": "relapse", "volvi a usar": "relapsed",
    "recaer": "relapse", "recaida": "relapse", "recaidas": "relapse", "recai": "relapsed",
    "malilla": "withdrawal", "abstinencia": "withdrawal", "sindrome de abstinencia": "withdrawal",
    "desintoxicacion": "detox", "desintoxicarme": "detox", "desintoxicarse": "detox",
    "desintoxique": "detox", "limpio": "clean", "limpia": "clean", "sobrio": "sober",
    "sobria": "sober", "sobriedad": "sober",
    "antojo": "craving", "antojos": "cravings", "se me antoja": "craving", "ansias": "cravings",
    "ansia": "craving", "ganas de usar": "craving", "ganas de drogarme": "craving",
    "ganas": "urge",
    "sobredosis": "overdose", "sobredosi": "overdose", "sobre dosis": "overdose",
    "naloxona": "naloxone", "nalaxona": "naloxone",
    "tolerancia": "tolerance", "bloqueo": "block", "bloquea": "block", "bloquear": "block",
    "bloqueado": "blocked", "bloqueada": "blocked",
    "pasar el bloqueo": "override block", "romper el bloqueo": "override block",
    "brincar el bloqueo": "override block", "saltarse el bloqueo": "override block",
    "ganarle al bloqueo": "override block", "a pesar del bloqueo": "override block",
    "efecto": "effect", "efectos": "effects", "se pasa el efecto": "wears off",
    "se acaba el efecto": "wears off", "se le pasa el efecto": "wears off",
    "cuanto dura": "how long", "cuanto tiempo": "how long", "cuanto me dura": "how long",
    "dura": "lasts", "duran": "lasts", "protege": "protect", "protegido": "protected",
    "proteccion": "protection",
    # Drug words by region: "falopa" (Argentina), "tecata" (heroin, Mexico and Puerto Rico),
    # "cristal" (crystal meth). "Pastillas azules" are the blue pressed pills sold as M30s
    # (fentanyl); the singular ("la pastilla azul") is often Viagra, so it is left alone.
    "falopa": "drugs", "tecata": "heroin", "heroinas": "heroin", "fentanilos": "fentanyl",
    "pastillas azules": "fentanyl", "pastillitas azules": "fentanyl", "azulitas": "fentanyl",
    "pastillas prensadas": "fentanyl", "pastillas falsas": "fentanyl",
    "pastillas piratas": "fentanyl", "oxis": "oxy", "oxicontin": "oxycontin", "percos": "percocet",
    "hidromorfona": "hydromorphone",
    "tiras de": "",  # "tiras de suboxone": the medicine is the next word
    "metanfetamina": "methamphetamine", "metanfetaminas": "methamphetamine", "cristal": "meth",
    "anfetamina": "amphetamine", "anfetaminas": "amphetamines", "coca": "cocaine",
    "merca": "cocaine", "pericazo": "cocaine", "pericazos": "cocaine", "perica": "cocaine",
    "coca cola": "soda", "cocacola": "soda", "porro": "weed", "porros": "weed", "bareta": "weed",
    "mariguana": "marijuana", "polvo": "powder", "drogue": "used", "drogaste": "used",
    "drogo": "use", "drogamos": "use", "drogan": "use", "drogaron": "used", "drogaba": "used",
    "drogarte": "use", "drogandose": "use", "meterse": "use", "meterte": "use", "metiendo": "use",
    "metiendome": "use", "metio": "used", "metes": "use", "metemos": "use", "meten": "use",
    "metieron": "used", "metiste": "used", "consume": "use", "consumes": "use", "consumen": "use",
    "consumio": "used", "consumieron": "used", "consumia": "used", "consumido": "used",
    "usas": "use", "usamos": "use", "usan": "use", "usaste": "used", "usaron": "used",
    "usabas": "used", "usaban": "used", "usado": "used", "usada": "used", "usara": "use",
    "usaria": "use", "recayo": "relapsed", "recaiga": "relapse", "recaigo": "relapse",
    "recaido": "relapsed", "volver a caer": "relapse", "volvi a caer": "relapsed",
    "vuelvo a usar": "relapse", "volver a drogarme": "relapse", "volvi a drogarme": "relapsed",
    "malia": "withdrawal", "malias": "withdrawal", "malillas": "withdrawal",
    "abstinencia precipitada": "precipitated withdrawal", "precipitada": "precipitated",
    "precipitado": "precipitated", "enfermo": "sick", "enferma": "sick", "enfermos": "sick",
    "enfermarme": "sick", "enferme": "sick", "enfermo de": "sick", "tembladera": "shaking",
    "cuerpo cortado": "achy", "ganar el bloqueo": "override block", "ganarle": "override",
    "le gano a": "override", "un monton de": "large amount of", "monton": "lot",
    # "morir" and its forms are what the content calls "death"; wanting to die is "suicidal".
    "muero": "death", "morirme": "death", "muera": "death", "murio": "death", "muere": "death",
    "mueren": "death", "murieron": "death", "muerto": "death", "muerta": "death",
    "muerte": "death", "morirse": "death", "morirte": "death", "matar": "kill", "mata": "kill",
    "matan": "kill", "matarte": "kill", "me quiero matar": "suicide", "matarme": "suicide",
    "me voy a matar": "suicide", "suicidarse": "suicide", "suicida": "suicidal",
    "no quiero vivir": "suicidal", "no quiero seguir viviendo": "suicidal",
    "ganas de morir": "suicidal", "quiero morirme": "suicidal", "quiero morir": "suicidal",
    "hacerme dano": "harm", "lastimarme": "harm", "no aguanto mas": "hopeless",
    # missed and late doses
    "olvide": "forgot", "olvido": "forgot", "olvidado": "forgot", "olvidada": "forgot",
    "olvidar": "forget", "se me olvido": "forgot", "se me olvida": "forget",
    "dosis olvidada": "missed dose", "dosis perdida": "missed dose",
    "no me tome": "missed", "no tome": "missed", "no me la tome": "missed", "perdi": "missed",
    "se me paso": "missed", "falte": "missed", "no fui": "missed", "me salte": "skipped",
    "saltar": "skip", "saltarme": "skip", "saltarse": "skip", "doble": "double",
    "atrasada": "late", "atrasado": "late", "atraso": "late", "tarde": "late",
    "me toca": "due", "le toca": "due", "cita": "appointment", "citas": "appointment",
    "dosis": "dose",
    "olvida": "forget", "olvidas": "forget", "olvidamos": "forget", "olvidan": "forget",
    "olvidaste": "forgot", "olvidaron": "forgot", "olvidaba": "forgot", "olvidabas": "forgot",
    "olvidaban": "forgot", "olvidara": "forget", "olvidaras": "forget", "olvides": "forget",
    "olviden": "forget", "olvidando": "forgetting", "olvidados": "forgot", "olvidadas": "forgot",
    "olvidarme": "forget", "olvidarse": "forget", "olvidarte": "forget", "olvidarla": "forget",
    "olvidarlo": "forget", "olvidarlas": "forget", "olvidadizo": "forgetful",
    "olvidadiza": "forgetful", "olbide": "forgot", "olbido": "forgot", "acuerdo": "remember",
    "acuerde": "remember", "acuerdes": "remember", "acordas": "remember", "acuerdas": "remember",
    "acorde": "remember", "acordarme": "remember", "acordarse": "remember",
    "acordaste": "remember", "salto": "skip", "saltas": "skip", "salta": "skip", "saltan": "skip",
    "saltaste": "skipped", "saltaron": "skipped", "saltaba": "skip", "saltando": "skipping",
    "saltado": "skipped", "saltada": "skipped", "saltarte": "skip", "saltarla": "skip",
    "saltarlas": "skip", "perdio": "missed", "perdiste": "missed", "perdieron": "missed",
    "perder": "miss", "pierdo": "miss", "pierde": "miss", "pierdes": "miss", "perdido": "missed",
    "perdiendo": "missing", "perder peso": "weight loss", "perdi peso": "weight loss",
    "perdio el conocimiento": "faint", "perder el conocimiento": "faint",
    "perdio la conciencia": "faint", "falto": "missed", "faltaste": "missed", "faltar": "miss",
    "hace falta": "need", "no pude ir": "missed", "no pude ir a": "missed", "no puedo ir": "miss",
    "no voy a poder ir": "miss", "vencida": "overdue", "vencido": "overdue", "atrase": "late",
    "atrasaste": "late", "atraso la": "late the", "atrasaron": "late", "atrasar": "late",
    "atrasarme": "late", "atrasarse": "late", "atrasa": "late", "atrasas": "late",
    "atrasan": "late", "atrasando": "late", "atrasados": "late", "atrasadas": "late",
    "retraso": "late", "retrasar": "late", "retrasada": "late", "retrasado": "late",
    "retrase": "late", "me tocaba": "due", "le tocaba": "due", "tocaba": "due", "tocaria": "due",
    "reprogramar": "reschedule", "reagendar": "reschedule", "cambiar la cita": "reschedule",
    "mover la cita": "reschedule", "doblar la dosis": "double dose", "doblar": "double",
    "se me acabaron": "run out", "me quede sin": "run out", "quedarme sin": "run out",
    "me quedo sin": "run out", "se acabaron": "run out", "acabando el efecto": "wearing off",
    "acabandose": "wearing off", "toma": "take", "tomas": "take", "tomamos": "take",
    "toman": "take", "tomaba": "take", "tomabas": "take", "tomaban": "take", "tomaste": "took",
    "tomaron": "took", "tomara": "take", "tomaras": "take", "tomaran": "take", "tomare": "take",
    "tomaria": "take", "tomes": "take", "tomen": "take", "tomemos": "take", "tomandola": "taking",
    "tomandolo": "taking", "tomarlas": "take", "tomarlos": "take", "tomarmela": "take",
    "tomatela": "take", "tomartela": "take", "tomarsela": "take", "dosis diaria": "daily dose",
    "me sale": "", "le sale": "", "sale la": "show", "sale el": "show", "espere": "wait",
    "esperando": "wait", "esperas": "wait", "espera": "wait", "esperara": "wait",
    "recomienda": "advise", "recomiendas": "advise", "recomiendan": "advise",
    "recomendas": "advise", "recomendacion": "advise",
    # side effects and the body
    "efectos secundarios": "side effects", "efecto secundario": "side effect",
    "efectos adversos": "side effects", "reaccion": "reaction", "reacciones": "reaction",
    "nauseas": "nausea", "nausea": "nausea", "asco": "nausea", "ganas de vomitar": "nausea",
    "vomito": "vomit", "vomitar": "vomit", "vomitando": "vomit", "vomite": "vomit",
    "dolor de cabeza": "headache", "jaqueca": "headache", "migrana": "migraine",
    "mareo": "dizzy", "mareos": "dizzy", "mareado": "dizzy", "mareada": "dizzy",
    "cansancio": "tired", "cansado": "tired", "cansada": "tired", "fatiga": "tired",
    "sueno": "sleepy", "somnolencia": "sleepy", "dormir": "sleep", "insomnio": "insomnia",
    "nervios": "nervous", "nervioso": "nervous", "nerviosa": "nervous",
    "ansiedad": "anxiety", "depresion": "depression", "deprimido": "depressed",
    "deprimida": "depressed", "triste": "depressed", "tristeza": "depression",
    "calambres": "cramps", "apetito": "appetite", "hambre": "appetite",
    "diarrea": "diarrhea", "sudor": "sweating", "sudores": "sweating", "sudando": "sweating",
    "temblores": "shaking", "temblando": "shaking", "escalofrios": "chills",
    "piel de gallina": "goose bumps", "dolor de muelas": "toothache",
    "cuerpo": "body", "sangre": "blood", "cerebro": "brain",
    "nalga": "buttock", "nalgas": "buttock", "pompa": "buttock", "pompis": "buttock",
    "trasero": "buttock", "gluteo": "buttock",
    "hinchado": "swelling", "hinchada": "swelling", "hinchazon": "swelling",
    "hincharon": "swelling", "inflamado": "swollen", "inflamada": "swollen",
    "enrojecido": "red", "roja": "red", "rojo": "red", "moreton": "bruise",
    "moretones": "bruise", "morete": "bruise", "comezon": "itch", "picazon": "itch",
    "bolita": "lump", "bolitas": "lump", "bulto": "lump", "chipote": "lump",
    "endurecido": "hard", "herida": "wound", "llaga": "open wound", "ampolla": "blister",
    "ampollas": "blister", "costra": "scab", "donde me inyectaron": "injection site",
    "donde me pusieron": "injection site", "se abrio la piel": "skin breaks open",
    "empeorando": "getting worse", "peor": "worse",
    "higado": "liver", "cirrosis": "cirrhosis", "amarillo": "yellow", "amarilla": "yellow",
    "amarillos": "yellow", "amarillas": "yellow", "orina": "urine", "pipi": "urine",
    "excremento": "stool", "popo": "stool", "heces": "stool", "oscura": "dark",
    "oscuro": "dark", "ojos": "eyes", "piel": "skin",
    "analisis": "test", "examenes": "tests", "examen": "test", "laboratorio": "lab",
    "analisis de sangre": "blood test", "examenes de sangre": "blood tests",
    "pruebas de sangre": "blood tests", "prueba": "test",
    "alergia": "allergy", "alergico": "allergic", "alergica": "allergic",
    "ronchas": "hives", "urticaria": "hives", "labios": "lips", "lengua": "tongue",
    "garganta": "throat", "pecho": "chest", "desmayo": "faint", "desmayarme": "faint",
    "desmayar": "faint",
    "tos": "cough", "pulmones": "lungs", "pulmon": "lungs", "neumonia": "pneumonia",
    "pulmonia": "pneumonia", "respirar": "breathing", "respiracion": "breathing",
    "falta el aire": "shortness of breath", "me falta el aire": "shortness of breath",
    "silbido": "wheezing", "silbidos": "wheezing",
    "barriga": "belly", "barriguita": "belly", "guata": "belly", "tripa": "belly",
    "tripas": "belly", "pancita": "belly", "revuelto": "queasy", "revuelta": "queasy",
    "agruras": "heartburn", "acidez": "heartburn", "ardor de estomago": "heartburn",
    "me cayo mal": "sick", "me cae mal": "sick",
    # "guacarear" (Venezuela), "trasbocar" (Colombia) and "arrojar" (the Caribbean) are vomiting.
    "guacarear": "vomit", "guacarie": "vomit", "guacaree": "vomit", "guacareando": "vomit",
    "trasbocar": "vomit", "trasboque": "vomit", "trasbocando": "vomit", "arrojar": "vomit",
    "arroje": "vomit", "arrojando": "vomit", "vomitos": "vomit", "vomitas": "vomit",
    "vomita": "vomit", "vomitaba": "vomit", "vomitado": "vomit", "vomitadera": "vomit",
    "devolvi": "vomit", "nausia": "nausea", "nausias": "nausea", "nauceas": "nausea",
    "asquito": "nausea", "mariado": "dizzy", "mariada": "dizzy", "mareadito": "dizzy",
    "mareadita": "dizzy", "me da vueltas la cabeza": "dizzy", "dolores de cabeza": "headache",
    "me duele la cabeza": "headache", "duele la cabeza": "headache", "migranas": "migraine",
    "jaquecas": "headache", "cabeza": "head", "cabeza de alfiler": "pinpoint",
    "pupilas chiquitas": "pinpoint pupils", "ojos chiquitos": "pinpoint pupils",
    "chiquito": "small", "chiquita": "small", "chiquitos": "small", "chiquitas": "small",
    "no puedo dormir": "insomnia", "no duermo": "insomnia", "no he dormido": "insomnia",
    "no dormi": "insomnia", "me desvelo": "insomnia", "desvelado": "insomnia",
    "desvelada": "insomnia", "duermo": "sleep", "dormi": "sleep", "dormido": "sleep",
    "dormida": "sleep", "sonoliento": "sleepy", "sonolienta": "sleepy", "modorra": "sleepy",
    "cansadisimo": "tired", "cansadisima": "tired", "agotado": "tired", "agotada": "tired",
    "sin energia": "tired", "flojera": "tired", "debilidad": "weak",
    # Low mood: "bajoneado" (the River Plate), "agüitado" and "achicopalado" (Mexico).
    "bajoneado": "low mood", "bajoneada": "low mood", "bajon": "low mood", "aguitado": "low mood",
    "aguitada": "low mood", "achicopalado": "low mood", "achicopalada": "low mood",
    "desanimado": "low mood", "desanimada": "low mood", "sin ganas de nada": "low mood",
    "no tengo ganas de nada": "low mood", "depre": "depression", "deprimidos": "depressed",
    "tristes": "depressed", "ansioso": "anxious", "ansiosa": "anxious", "angustia": "anxiety",
    "panico": "panic", "estres": "stress", "estresado": "stress", "estresada": "stress",
    "pelear": "fight", "peleo": "fight", "pelea": "fight", "peleas": "fight", "discutir": "fight",
    "chichon": "lump", "chichones": "lump", "bultito": "lump", "bultos": "lump", "pelota": "lump",
    "dureza": "hard", "duro": "hard", "endurecida": "hard", "supurando": "pus", "supura": "pus",
    "supurar": "pus", "caliente": "hot", "calientito": "hot", "morado": "blue", "morada": "blue",
    "morados": "blue", "moradas": "blue", "labios morados": "blue lips",
    "labios azules": "blue lips", "moretoncito": "bruise", "hematoma": "bruise",
    "mallugado": "bruise", "magullado": "bruise", "salpullido": "rash", "sarpullido": "rash",
    "erupcion": "rash", "granitos": "rash", "picor": "itch", "picaba": "itch", "picando": "itch",
    "rasquina": "itch", "ardor": "burning", "inchado": "swelling", "inchada": "swelling",
    "hinchadas": "swelling", "hinchados": "swelling", "infeccion": "infection",
    "infectado": "infection", "infectada": "infection", "absceso": "abscess",
    "llagas": "open wound", "heridas": "wound", "sitio de la inyeccion": "injection site",
    "lugar de la inyeccion": "injection site", "area de la inyeccion": "injection site",
    "zona de la inyeccion": "injection site", "lugar del shot": "injection site",
    "lugar del pinchazo": "injection site", "donde me pincharon": "injection site",
    "donde me inyecte": "injection site", "higado graso": "fatty liver", "graso": "fatty",
    "grasa": "fatty", "enzimas": "enzymes", "transaminasas": "liver enzymes",
    "pruebas del higado": "liver tests", "examenes del higado": "liver tests",
    "sacar sangre": "blood test", "sacarme sangre": "blood test",
    "me sacaron sangre": "blood test", "ictericia": "jaundice", "lado derecho": "right side",
    "lado": "side", "costillas": "ribs", "costilla": "ribs", "pis": "urine", "caca": "stool",
    "chorro": "diarrhea", "chorrillo": "diarrhea", "chorrera": "diarrhea", "cagadera": "diarrhea",
    "estrenimiento": "constipation", "estrenido": "constipation", "estrenida": "constipation",
    "retortijones": "cramps", "me cuesta respirar": "trouble breathing",
    "cuesta respirar": "trouble breathing", "me cuesta": "trouble", "le cuesta": "trouble",
    "falta de aire": "shortness of breath", "ahogando": "choking", "asfixia": "choking",
    "lenta": "slow", "lento": "slow", "ronca": "snoring", "roncando": "snoring",
    "ronquidos": "snoring", "no reacciona": "cannot wake", "no responde": "cannot wake",
    "reacciona": "wake", "no despierta": "cannot wake", "bien ido": "confused",
    "medio ido": "confused", "todo ido": "confused", "desmayado": "faint", "desmayada": "faint",
    "desmaye": "faint", "desmayos": "faint", "sentido": "felt", "sentis": "feel",
    "sientes": "feel", "sentia": "felt", "sentimos": "feel", "sentirme": "feel",
    "sentirse": "feel", "sentiste": "felt", "sintio": "felt", "convulsionando": "seizure",
    "convulsiono": "seizure", "pelo": "hair", "cabello": "hair", "se me cae el pelo": "hair loss",
    "se me cae el cabello": "hair loss", "caida del pelo": "hair loss",
    "deseo sexual": "sex drive", "apetito sexual": "sex drive", "sexo": "sex",
    "engorda": "weight gain", "engordar": "weight gain", "subir de peso": "weight gain",
    "aumentar de peso": "weight gain", "gane peso": "weight gain", "articulaciones": "joints",
    "coyunturas": "joints", "rodilla": "knee", "rodillas": "knee", "espalda": "back",
    "brazo": "arm", "brazos": "arm", "hombro": "shoulder", "pierna": "leg", "piernas": "leg",
    "muslo": "thigh",
    # "la cola" is the buttocks in the River Plate ("hacer la cola" is queueing).
    "la cola": "buttock", "hacer la cola": "wait", "hacer cola": "wait", "culo": "buttock",
    "pompas": "buttock", "pompi": "buttock", "nalguita": "buttock", "nalguitas": "buttock",
    "gluteos": "buttock", "fundillo": "buttock", "posaderas": "buttock", "alta": "high",
    "altas": "high", "alto": "high", "altos": "high", "preocupa": "worry", "preocupado": "worry",
    "preocupada": "worry", "preocupo": "worry", "preocupe": "worry", "manos": "hands",
    "frias": "cold", "frio": "cold", "frios": "cold", "rara": "weird", "raros": "weird",
    "raras": "weird", "rarito": "weird", "rarita": "weird", "adolorido": "sore",
    "adolorida": "sore", "adoloridos": "sore", "adolorimiento": "sore", "inflamo": "swollen",
    "inflamaron": "swollen", "inflamados": "swollen", "arde": "burning", "arden": "burning",
    "ardia": "burning", "lloro": "crying", "llorar": "crying", "llorando": "crying",
    "vesicula": "gallbladder", "tobillo": "ankle", "tobillos": "ankle", "flema": "phlegm",
    "flemas": "phlegm", "flaco": "weight loss", "flaca": "weight loss", "miedo": "worry",
    # pain, other care and other medicines
    "dolor": "pain", "dolores": "pain", "duele": "hurts", "duelen": "hurts",
    "analgesico": "painkiller", "analgesicos": "painkillers", "calmante": "painkiller",
    "calmantes": "painkillers",
    "cirugia": "surgery", "operacion": "surgery", "operar": "surgery", "operan": "surgery",
    "cirujano": "surgeon", "procedimiento": "procedure", "anestesia": "anesthesia",
    "dentista": "dentist", "muela": "tooth", "muelas": "tooth", "diente": "tooth",
    "dientes": "tooth", "empaste": "filling", "accidente": "accident", "choque": "crash",
    "urgencias": "emergency", "emergencia": "emergency", "emergencias": "emergency",
    "sala de emergencias": "emergency room",
    "ambulancia": "emergency",
    "tarjeta": "card", "pulsera": "bracelet", "brazalete": "bracelet",
    "identificacion medica": "medical id", "cartera": "wallet",
    "jarabe": "cough medicine", "jarabe para la tos": "cough medicine",
    "resfriado": "cold", "resfrio": "cold", "catarro": "cold", "gripa": "cold",
    "gripe": "flu", "ibuprofeno": "ibuprofen", "acetaminofen": "acetaminophen",
    "paracetamol": "acetaminophen", "aspirina": "aspirin",
    # Spanish names of common prescriptions (their English names are "other-medicine" below)
    "levotiroxina": "levothyroxine", "amlodipino": "amlodipine", "omeprazol": "omeprazole",
    "pantoprazol": "pantoprazole", "esomeprazol": "esomeprazole", "famotidina": "famotidine",
    "simvastatina": "simvastatin", "atorvastatina": "atorvastatin",
    "rosuvastatina": "rosuvastatin", "losartan": "losartan", "valsartan": "valsartan",
    "hidroclorotiazida": "hydrochlorothiazide", "furosemida": "furosemide",
    "espironolactona": "spironolactone", "carvedilol": "carvedilol",
    "propranolol": "propranolol", "atenolol": "atenolol", "salbutamol": "albuterol",
    "inhalador": "inhaler", "bomba para el asma": "inhaler", "montelukast": "montelukast",
    "fluticasona": "fluticasone", "cetirizina": "cetirizine", "loratadina": "loratadine",
    "fexofenadina": "fexofenadine", "hidroxizina": "hydroxyzine", "buspirona": "buspirone",
    "tamsulosina": "tamsulosin", "finasterida": "finasteride", "meloxicam": "meloxicam",
    "diclofenaco": "diclofenac", "celecoxib": "celecoxib", "ciclobenzaprina": "cyclobenzaprine",
    "metocarbamol": "methocarbamol", "baclofeno": "baclofen", "tizanidina": "tizanidine",
    "glipizida": "glipizide", "alopurinol": "allopurinol", "lamotrigina": "lamotrigine",
    "levetiracetam": "levetiracetam", "ondansetron": "ondansetron",
    "sumatriptan": "sumatriptan", "azitromicina": "azithromycin", "cefalexina": "cephalexin",
    "ciprofloxacino": "ciprofloxacin", "doxiciclina": "doxycycline",
    "metronidazol": "metronidazole", "valaciclovir": "valacyclovir",
    "ivermectina": "ivermectin", "estradiol": "estradiol",
    "pastilla para la presion": "blood pressure pill",
    "medicina para la presion": "blood pressure medicine",
    "medicinas para la presion": "blood pressure medicine",
    "pastillas para el colesterol": "cholesterol pills",
    "pastilla para la tiroides": "thyroid pill", "pastillas para la tiroides": "thyroid pills",
    "pastillas para la diabetes": "diabetes pills",
    "medicina para la diabetes": "diabetes medicine",
    "metadona": "methadone", "buprenorfina": "buprenorphine", "suboxona": "suboxone",
    "metformina": "metformin", "insulina": "insulin", "antibiotico": "antibiotic",
    "antibioticos": "antibiotics", "pastilla anticonceptiva": "birth control",
    "pastillas anticonceptivas": "birth control", "anticonceptivo": "contraceptive",
    "anticonceptivos": "contraceptives", "anticonceptiva": "contraceptive",
    "gabapentina": "gabapentin", "antidepresivo": "antidepressant",
    "antidepresivos": "antidepressants", "vitamina": "vitamin", "vitaminas": "vitamins",
    "marihuana": "marijuana", "mota": "weed", "cocaina": "cocaine", "perico": "cocaine",
    "anticoagulante": "blood thinner", "anticoagulantes": "blood thinners",
    "warfarina": "warfarin", "interacciones": "interactions",
    "otras medicinas": "other medicines", "otros medicamentos": "other medicines",
    "farmacia": "pharmacy", "medico": "doctor",
    "doctora": "doctor", "enfermera": "nurse", "enfermero": "nurse", "clinica": "clinic",
    "medicina para el dolor": "pain medicine", "medicamento para el dolor": "pain medicine",
    "algo para el dolor": "pain medicine", "pastilla para el dolor": "painkiller",
    "dolor de muela": "toothache", "dolor de diente": "toothache", "dolor de espalda": "back pain",
    "endodoncia": "root canal", "tratamiento de conducto": "root canal",
    "sacar una muela": "tooth pulled", "sacarme una muela": "tooth pulled",
    "sacaron una muela": "tooth pulled", "muela del juicio": "wisdom tooth",
    "muelas del juicio": "wisdom tooth", "anestesiar": "anesthesia", "anestesiaron": "anesthesia",
    "lidocaina": "numbing medicine", "novocaina": "numbing medicine", "operaciones": "surgery",
    "opero": "surgery", "operaron": "surgery", "operen": "surgery", "operado": "surgery",
    "operada": "surgery", "cirugias": "surgery", "fractura": "fracture", "fracturado": "fracture",
    "quebre": "broke", "quebrado": "broken", "quebrada": "broken", "roto": "broken",
    "rota": "broken", "lastime": "injured", "lastimado": "injured", "lastimada": "injured",
    "golpe": "injury", "golpes": "injury", "accidentes": "accident", "sala de urgencias": "er",
    # Pharmacy is "botica" in Peru and the Caribbean, "droguería" in Colombia.
    "botica": "pharmacy", "boticas": "pharmacy", "drogueria": "pharmacy", "droguerias": "pharmacy",
    "farmaceuticos": "pharmacy", "clinicas": "clinic", "centro de salud": "clinic",
    "centro medico": "clinic", "consultorio": "clinic",
    "centro de tratamiento": "treatment facility", "centro de rehabilitacion": "rehab",
    "centro de rehab": "rehab", "rehabilitacion": "rehab", "centro": "facility",
    "una consulta": "", "consulta": "appointment", "medicos": "doctor", "doctores": "doctor",
    "doctoras": "doctor", "enfermeras": "nurse", "dentistas": "dentist", "cirujanos": "surgeon",
    "psiquiatra": "psych", "loperamida": "diarrhea medicine", "antigripal": "cold medicine",
    "antigripales": "cold medicine", "medicina para la gripe": "cold medicine",
    "medicina para la gripa": "cold medicine", "jarabes": "cough medicine",
    "amoxicilina": "amoxicillin", "sertralina": "sertraline", "fluoxetina": "fluoxetine",
    "rivotril": "clonazepam", "tafil": "alprazolam", "pastillas para dormir": "sleeping pills",
    "topiramato": "topiramate", "antabus": "antabuse", "acamprosato": "acamprosate",
    "pastillas para la presion": "blood pressure medicine", "pulsera medica": "medical bracelet",
    "placa medica": "medical id", "mi seguro": "my insurance", "el seguro": "insurance",
    "su seguro": "insurance", "tu seguro": "insurance", "del seguro": "insurance",
    "aseguranzas": "insurance", "cubren": "covers", "cubra": "covers", "cubrir": "covers",
    "cubrio": "covers", "cuanto vale": "cost", "cuanto me cuesta": "cost",
    "cuanto le cuesta": "cost", "cobrar": "charge", "cobra": "charge",
    # Money: "pisto" is money in Central America (and drink in Mexico), so only its money
    # phrases are rewritten here; "lana" and "varo" (Mexico), "plata" (South America).
    "no tengo pisto": "no money", "sin pisto": "no money", "el pisto": "money", "dinero": "money",
    "plata": "money", "lana": "money", "varo": "money", "varos": "money", "compre": "buy",
    "compra": "buy", "compras": "buy", "comprarla": "buy", "comprarlo": "buy", "comprarme": "buy",
    "vende": "sell", "vendo": "sell", "vender": "sell", "venta": "sell", "consigue": "get",
    "consiguen": "get", "consegui": "get", "conseguirla": "get", "conseguirlo": "get",
    "conseguirme": "get", "en linea": "online", "cerca de mi": "near me", "cercano": "near",
    "cercana": "near", "gratuito": "free", "gratuita": "free", "anestesia general": "anesthesia",
    "programa de metadona": "methadone clinic", "hospitalizado": "emergency",
    "hospitalizada": "emergency",
    # pregnancy, other conditions, driving
    "embarazada": "pregnant", "embarazo": "pregnancy", "encinta": "pregnant",
    "amamantar": "breastfeed", "amamantando": "breastfeeding", "lactancia": "breastfeeding",
    "dar pecho": "breastfeed", "dar el pecho": "breastfeed", "dar de mamar": "breastfeed",
    "leche materna": "breast milk", "mi bebe": "my baby", "el bebe": "the baby",
    "a mi bebe": "my baby", "su bebe": "the baby",
    "rinones": "kidneys", "rinon": "kidney", "renal": "kidney", "dialisis": "kidney",
    "hemofilia": "hemophilia", "sangrado": "bleeding", "sangro": "bleeding",
    "sangrar": "bleeding", "plaquetas": "platelets",
    "manejar": "drive", "maneje": "drive", "manejo": "drive", "conducir": "drive",
    "maquinaria": "machinery",
    "prenada": "pregnant", "embarazadas": "pregnant", "embarazarme": "pregnant",
    "embarazarse": "pregnant", "quedar embarazada": "pregnant", "sali embarazada": "pregnant",
    "al bebe": "the baby", "del bebe": "the baby", "un bebe": "a baby", "los bebes": "babies",
    "mis bebes": "babies", "tu bebe": "the baby", "bebecito": "baby", "bebita": "baby",
    "dar teta": "breastfeed", "le doy teta": "breastfeed", "doy teta": "breastfeed",
    "dar la teta": "breastfeed", "doy pecho": "breastfeed", "le doy pecho": "breastfeed",
    "amamanto": "breastfeed", "lactando": "breastfeeding", "leche de pecho": "breast milk",
    "renales": "kidney", "diabetico": "diabetic", "diabetica": "diabetic", "vih": "hiv",
    "sida": "hiv", "manejando": "driving", "maneja": "drive", "manejas": "drive",
    "manejan": "drive", "manejaba": "drive", "conduzco": "drive", "conduce": "drive",
    "conduciendo": "driving", "manejar los": "manage", "manejo los": "manage",
    "manejar las": "manage", "manejo las": "manage", "manejar mis": "manage",
    "manejo mis": "manage", "troca": "car", "trocas": "car", "carro": "car", "carros": "car",
    "coche": "car", "camioneta": "car", "camion": "car", "moto": "car",
    "maquinaria pesada": "heavy machinery", "pesada": "heavy", "pesado": "heavy",
    "montacargas": "forklift", "trabajo": "job", "chamba": "job", "trabajar": "work",
    "trabajando": "working", "chambear": "work",
    # addiction, treatment, stopping
    "adicto": "addicted", "adicta": "addicted", "adictiva": "addictive",
    "adictivo": "addictive", "adiccion": "addiction", "crea adiccion": "addictive",
    "vicio": "addictive", "enviciar": "addictive", "engancharme": "hooked",
    "dependencia": "dependence", "dependiente": "dependent",
    "sustancia controlada": "controlled substance", "controlada": "controlled",
    "funciona": "works", "funcionar": "work", "sirve": "help", "sirven": "help",
    "para que sirve": "what for", "efectiva": "effective", "eficaz": "effective",
    "terapia": "therapy", "consejeria": "counseling", "consejero": "counselor",
    "psicologo": "therapist", "grupos de apoyo": "support groups",
    "grupo de apoyo": "support group",
    "tratamiento": "treatment", "recuperacion": "recovery", "meta": "goal",
    "objetivo": "goal", "para siempre": "forever", "toda la vida": "forever",
    "siempre": "forever",
    "dejar": "stop", "dejo": "stop", "dejarla": "stop", "dejarlo": "stop", "deje": "stopped",
    "parar": "stop", "suspender": "stop", "quitarmela": "stop",
    "dejar de tomar": "stop take", "dejo de tomar": "stop take",
    "adictos": "addicted", "adictas": "addicted", "envicia": "addictive",
    "enviciarme": "addictive", "enviciado": "addicted", "enviciada": "addicted",
    "vicioso": "addictive", "viciosa": "addictive", "engancharse": "hooked", "enganchar": "hooked",
    "crea dependencia": "dependence", "controlado": "controlled",
    "droga controlada": "controlled substance", "antidoping": "drug test",
    "antidopin": "drug test", "antidopaje": "drug test", "examen de drogas": "drug test",
    "prueba de drogas": "drug test", "prueba de orina": "drug test", "sale en": "show",
    "sale positivo": "show positive", "salir positivo": "show positive", "positivo": "positive",
    "funcione": "works", "funcionara": "works", "funcionaria": "works", "funciono": "works",
    "sirvio": "help", "sirva": "help", "servir": "help", "no me pega": "no effect",
    "resultado": "result", "terapias": "therapy", "consejera": "counselor",
    "psicologa": "therapist", "grupo": "group", "grupos": "group", "reuniones": "meetings",
    "alcoholicos anonimos": "support group", "padrino": "sponsor", "madrina": "sponsor",
    "curarme": "cure", "curan": "cure", "curado": "cure", "curada": "cure", "curar": "cure",
    "moderacion": "moderation", "de por vida": "forever", "deja": "stop", "dejas": "stop",
    "dejamos": "stop", "dejan": "stop", "dejaste": "stopped", "dejaron": "stopped",
    "dejaba": "stop", "dejando": "stopping", "dejes": "stop", "dejen": "stop", "dejarlas": "stop",
    "dejarlos": "stop", "dejarte": "stop", "de golpe": "cold turkey", "de un jalon": "cold turkey",
    "paro": "stop", "pare": "stop", "paras": "stop", "paramos": "stop", "pararla": "stop",
    "pararlo": "stop", "suspendo": "stop", "suspendi": "stopped", "suspenderla": "stop",
    "quitarme": "take away", "quitarte": "take away", "quitarle": "take away",
    "quito": "take away", "saca": "takes away", "sacan": "take away",
    # people, help lines, poison
    "familia": "family", "esposa": "wife", "esposo": "husband", "pareja": "partner",
    "novia": "girlfriend", "novio": "boyfriend", "mama": "mom", "papa": "dad",
    "hijo": "son", "hija": "daughter", "hijos": "kids", "nieto": "kid", "nieta": "kid",
    "nietos": "kids", "se tomo": "took", "de verdad": "really", "en serio": "seriously",
    "la neta": "honestly", "puro cuento": "", "hermano": "brother", "hermana": "sister",
    "amigos": "friends",
    "amigo": "friend", "linea de crisis": "crisis line",
    "suicidio": "suicide", "suicidarme": "suicide", "quitarme la vida": "suicide",
    "linea de ayuda": "helpline", "espanol": "spanish", "gratis": "free",
    "veneno": "poison", "envenenamiento": "poisoning", "intoxicacion": "poisoning",
    "por error": "by mistake", "por accidente": "by accident", "se trago": "swallowed",
    "peligroso": "dangerous", "peligrosa": "dangerous", "riesgo": "risk",
    "seguro para": "safe for", "ayuda con": "help with", "empece": "started",
    "empezar": "start", "empiezo": "start", "comenzar": "start", "antes": "before",
    "despues": "after", "primera": "first", "primer": "first", "siguiente": "next",
    "proxima": "next", "proximo": "next", "ultima": "last", "ultimo": "last",
    # Partners, family and friends by region: "jeva"/"jevo" (the Caribbean, Venezuela),
    # "mi doña"/"mi vieja" (a wife or a mother), "carnal" (Mexico), "pana" (the Caribbean,
    # Venezuela, Ecuador), "parce" (Colombia), "compa" (Mexico, Central America).
    "jeva": "girlfriend", "jevo": "boyfriend", "mi dona": "family", "mi vieja": "family",
    "mi viejo": "family", "mi mujer": "wife", "mi senora": "wife", "marido": "husband",
    "esposos": "family", "mi carnal": "brother", "carnala": "sister", "primo": "cousin",
    "prima": "cousin", "primos": "cousin", "tio": "uncle", "tia": "aunt", "tios": "family",
    "vecino": "neighbor", "vecina": "neighbor", "mi pana": "my friend", "mis panas": "friends",
    "los panas": "friends", "mi compa": "my friend", "mis compas": "friends",
    "los compas": "friends", "mi parce": "my friend", "mis parceros": "friends",
    "mi cuate": "my friend", "mis cuates": "friends", "los cuates": "friends",
    "los muchachos": "friends", "los chamos": "friends", "los pibes": "friends",
    "los cabros": "friends", "muchachos": "friends", "amiga": "friend", "amigas": "friends",
    "amistades": "friends", "el chamo": "someone", "un chamo": "someone", "adolescente": "teen",
    "adolescentes": "teen", "joven": "young", "jovenes": "young", "edad": "age",
    "anciano": "elderly", "anciana": "elderly", "hablar": "talk", "hablo": "talk", "habla": "talk",
    "hablarle": "talk", "platicar": "talk", "platicarle": "talk", "platico": "talk",
    "conversar": "talk", "contar": "tell", "contarle": "tell", "le cuento": "tell",
    "aviso": "tell", "avisarle": "tell", "llamas": "call", "llamaste": "call", "llamen": "call",
    "marcar": "call", "marco": "call", "perro": "dog", "perrito": "dog", "perra": "dog",
    "gato": "cat", "mascota": "pet", "me trague": "swallowed", "se comio": "swallowed",
    "tragarse": "swallowed", "tragarme": "swallowed", "sin querer": "by mistake",
    "por equivocacion": "by mistake", "demasiadas": "too much", "demasiados": "too much",
    "centro de toxicologia": "poison control", "control de envenenamiento": "poison control",
    "intoxicar": "poisoning", "intoxicarme": "poisoning", "intoxique": "poisoning",
    "intoxicado": "poisoning", "intoxicada": "poisoning", "explico": "explain",
    "explicar": "explain", "explicarle": "explain", "cerrada": "closes", "cerrado": "closes",
    "cerradas": "closes", "cerrados": "closes", "dspues": "after", "dsps": "after",
    "suegra": "family", "suegro": "family", "suegros": "family", "cunado": "family",
    "cunada": "family", "abuela": "grandma", "abuelita": "grandma", "abuelo": "grandpa",
    "abuelito": "grandpa", "abuelos": "family", "mis papas": "parents", "papas": "parents",
    "nino": "child", "nina": "child", "ninos": "kids", "ninas": "kids", "nene": "child",
    "nena": "child", "menor de edad": "child", "un menor": "a child", "vendio": "sell",
    "vendieron": "sell", "gimnasio": "gym", "bano": "bathroom", "donar": "donate",
    "cuanto tarda": "how long", "cuanto se tarda": "how long",
    # Spanish for what the content does not cover: rewritten to the English word, which the
    # content does not have either, so it counts against an answer exactly as in English.
    "cuesta": "cost", "cuestan": "cost", "costo": "cost", "costos": "cost", "precio": "price",
    "cobran": "charge", "pagar": "pay", "paga": "pays", "pago": "pay",
    "sin seguro": "uninsured", "seguro": "safe", "seguro medico": "insurance",
    "aseguranza": "insurance",
    "abre": "open", "abren": "open", "abierto": "open", "cierra": "closes", "cierran": "closes",
    "apuestas": "gambling", "apostar": "gambling", "juego de apuestas": "gambling",
    "bajar de peso": "weight loss", "peso": "weight", "adelgazar": "weight loss",
    "fumar": "smoking", "cigarros": "cigarettes", "cigarrillos": "cigarettes",
    "vapear": "vaping", "vape": "vaping", "tatuaje": "tattoo", "viajar": "travel",
    "vacunar": "vaccinate", "influenza": "flu", "presion alta": "high blood pressure",
    "presion": "pressure", "energia": "energy", "chiste": "joke", "partido": "game",
    "futbol": "soccer", "ganan": "earn", "sueldo": "salary",
    "tomar": "take", "tomo": "take", "tome": "took", "tomando": "taking",
    "vale la pena": "worth", "fuerza de voluntad": "willpower", "explicame": "explain",
    "funcionan": "works", "funcionando": "works", "quita": "takes away", "quitar": "take away",
    "quitan": "take away", "dana": "damage", "danar": "damage", "afecta": "affect",
    "afectar": "affect", "segura": "safe", "menos": "less", "siente": "feel",
    "sienten": "feel", "lugar": "place", "lugares": "places", "trampa": "cheating",
    "proposito": "purpose", "candidato": "candidate", "candidata": "candidate", "mal": "bad",
    "raro": "weird", "pica": "itch", "negra": "dark", "negro": "dark", "revisar": "check",
    "revisan": "check", "medica": "medical", "paramedicos": "emergency",
    "farmaceutico": "pharmacy", "farmaceutica": "pharmacy",
    "leche": "milk", "insuficiencia": "failure", "engancha": "hooked",
    "medico de cabecera": "doctor", "doctor de cabecera": "doctor", "telefono": "phone",
    "numero": "number", "casa": "home", "cerca": "near", "esperar": "wait", "espero": "wait",
    "fecha": "date", "busco": "find", "encuentro": "find", "encontrar": "find",
    "reto": "challenge", "reto de naloxona": "naloxone challenge",
    "cercanas": "close", "cercanos": "close", "dental": "dentist", "dentales": "dentist",
    "pasar por encima": "override", "por encima del bloqueo": "override block",
    "vencer el bloqueo": "override block", "vencer": "override",
    "final del mes": "end of the month", "fin de mes": "end of month",
    "fin del mes": "end of the month", "suicidas": "suicidal",
    "que no son opioides": "non opioid", "no opioides": "non opioid",
    "sentir": "feel", "siento": "feel", "sentirla": "feel", "sentirlo": "feel",
    "sienta": "feel", "senti": "felt", "ponerme high": "high", "me pongo high": "high",
    "drogado": "high", "drogada": "high", "volarme": "high", "enganchado": "hooked",
    "enganchada": "hooked", "ayudar": "help", "ayudarme": "help",
    "ayudaria": "help", "ayude": "help",
    "apuesto": "gambling", "apostando": "gambling", "jugar": "play", "jugando": "playing",
    "cigarro": "cigarettes", "tabaco": "tobacco", "fumo": "smoking", "fumas": "smoking",
    "fuma": "smoking", "fuman": "smoking", "fumando": "smoking", "fumarme": "smoking",
    "fumaste": "smoking", "vapeo": "vaping", "viaje": "travel", "viajes": "travel",
    "viajo": "travel", "navidad": "christmas", "cumpleanos": "birthday", "cumple": "birthday",
    # the words of the Spanish snippets themselves (a question written from one reads like it)
    "actua": "active", "actuar": "active", "actuando": "active", "activa": "active",
    "adormecer": "numbing", "medicina para adormecer": "numbing medicine",
    "aerosol": "spray", "aerosol nasal": "nasal spray", "espray": "spray", "fosa nasal": "nostril",
    "nariz": "nostril", "agujas": "needles", "aguja": "needle", "jeringa": "needle",
    "jeringas": "needles", "ahogo": "choking", "alergicas": "allergic",
    "alergicos": "allergic", "alerta": "warning", "alivia": "ease", "aliviar": "ease",
    "alivio": "relief", "altibajos": "highs and lows", "antagonista": "antagonist",
    "bloqueador": "blocker", "aparato": "device", "apoyo": "support",
    "aprobada": "approved", "aprobado": "approved", "aprobados": "approved",
    "aprobacion": "approval", "azulada": "blue", "azul": "blue", "baja": "lower",
    "bajas": "low", "bajo": "low", "bajen": "drop", "benefician": "benefit",
    "beneficio": "benefit", "boca": "mouth", "drogas de la calle": "street drugs",
    "calle": "street", "calmar": "ease", "cantidad": "amount", "cantidades": "amount",
    "cara": "face", "causa": "cause", "causan": "cause", "causar": "cause",
    "causarle": "cause", "cientificos": "scientists", "colicos": "cramps",
    "combinar": "combine", "comprar": "buy", "compro": "buy", "comunidad": "community",
    "conseguir": "get", "consigo": "get", "contiene": "contain", "contienen": "contain",
    "convulsion": "seizure", "convulsiones": "seizure", "cubre": "covers", "cura": "cure",
    "curo": "cure", "dano": "damage", "debil": "weaker", "debilita": "fades",
    "debilitando": "fades", "decaido": "low mood", "decaida": "low mood",
    "decidir": "decide", "decide": "decide", "desagradable": "unpleasant",
    "desmaya": "faint", "desmayarse": "faint", "despertar": "wake", "despierta": "wake",
    "despierto": "wake", "dificil": "hard", "dificultad": "trouble", "disminuye": "lessen",
    "empeora": "worse", "enfermedad": "disease", "enfermedades": "disease",
    "enrojecimiento": "redness", "eosinofilica": "eosinophilic",
    "sin esperanza": "hopeless", "estomago": "stomach", "panza": "belly",
    "estudio": "study", "estudios": "studies", "etiqueta": "label", "etiquetas": "label",
    "euforia": "high", "extraccion": "tooth pulled", "fabricante": "maker",
    "fisica": "physical", "flojo": "limp", "fria": "cold", "fuentes": "sources",
    "fuerte": "severe", "fuertes": "strong", "gasolineras": "gas stations",
    "gorgoteo": "gurgling", "grave": "serious", "graves": "serious", "guia": "guide",
    "hielo": "ice", "inflamacion": "inflammation", "informacion": "information",
    "ingles": "english", "intenso": "intense", "lesiones": "injury",
    "liberacion prolongada": "extended release", "libre": "free", "linea": "line",
    "llamar": "call", "llame": "call", "llamo": "call", "a la mano": "nearby",
    "mentales": "mental", "metas": "goals", "mortal": "fatal", "morir": "death",
    "muertes": "deaths", "musculo": "muscle", "musculos": "muscle", "musculares": "muscle",
    "antes de nacer": "unborn", "nerviosismo": "nervous", "nueva": "new", "nuevo": "new",
    "palido": "pale", "palida": "pale", "paquete": "package", "pensamientos": "thoughts",
    "pequena": "small", "pequenas": "small", "pequeno": "small", "pequenos": "small",
    "poquito": "small", "perdida": "missed", "peligro": "danger",
    "peligrosas": "dangerous", "peligrosos": "dangerous", "placentero": "rewarding",
    "placer": "reward", "largo plazo": "long term", "productos": "products",
    "profesional": "provider", "profesionales": "provider", "profundo": "deep",
    "programada": "planned", "programado": "planned", "pronto": "soon",
    "psicologica": "psychological", "psicoterapia": "psychotherapy", "pupilas": "pupils",
    "receptores": "receptors", "recuperan": "recover", "recuperarse": "recover",
    "recuperarme": "recover", "reflejos": "impaired", "regulacion": "regulatory",
    "repentina": "sudden", "repentino": "sudden", "reportado": "reported",
    "reportar": "report", "reporto": "report", "requisitos": "requirements",
    "resultados": "results", "revertir": "reverse", "respira": "breathe",
    "ruidos": "sounds", "salud": "health", "sano": "healthy", "sensibilidad": "sensitive",
    "sensible": "sensitive", "senales": "signs", "senal": "sign", "sintomas": "symptoms",
    "sintoma": "symptom", "sincero": "honest", "sinceridad": "honest",
    "sistema": "system", "sonido": "sound", "sospecha": "suspect", "sube": "goes up",
    "sustancia": "substance", "tejidos": "tissue", "temprana": "early",
    "tiempo": "time", "trastorno": "disorder", "trastornos": "disorder", "tratar": "treat",
    "tres": "three", "vaso": "glass", "vena": "vein", "vientre": "belly",
    "vigilar": "watch", "zona": "area", "area": "area", "mal uso": "misuse",
    "tiendas": "stores", "supermercados": "grocery stores", "internet": "online",
    "farmacias": "pharmacy", "minutos": "minutes", "instrucciones": "directions",
    "de lado": "on their side", "acueste": "lay", "acuestela": "lay", "tiemblan": "shake",
    "sudan": "sweat", "enojan": "angry", "nacional": "national", "mensaje de texto": "text",
    "texto": "text", "tarjeta en la cartera": "wallet card", "respirando": "breathing",
    "respiran": "breathing", "atencion medica": "medical care", "equivocada": "wrong",
    "equivocado": "wrong", "demasiada": "too much", "demasiado": "too much",
    "de mas": "too much", "adecuada": "right", "adecuado": "right",
    "tomarla": "take", "tomarlo": "take", "tomarme": "take", "tomarse": "take",
    "mejor": "best", "en vez de": "instead of", "en lugar de": "instead of",
    "cambiar": "change", "cambio": "change", "horario": "schedule",
    "yo mismo": "myself", "yo misma": "myself", "yo solo": "myself", "yo sola": "myself",
    "en mi casa": "at home", "en casa": "at home", "en la casa": "at home",
    "poner": "give", "ponen": "give", "pone": "give", "pusieron": "gave", "ponerme": "get",
    "ponerse": "get", "pongo": "give", "puso": "gave", "puestito": "", "en que parte": "where",
    "como se usa": "how to use", "como se da": "how to give", "hinchar": "swelling",
    "hincho": "swelling", "hinche": "swelling", "llevar": "carry", "cargar": "carry",
    "fin de semana": "weekend", "fines de semana": "weekend",
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
                       "kratom",
                       # the commonest prescriptions in the US, by generic and brand name: a
                       # question about one is about that medicine, which the content does not
                       # cover (found by a writer of out-of-scope questions, 2026-12-07)
                       "levothyroxine", "synthroid", "amlodipine", "norvasc", "metoprolol",
                       "lopressor", "toprol", "omeprazole", "prilosec", "pantoprazole",
                       "protonix", "esomeprazole", "nexium", "famotidine", "pepcid",
                       "simvastatin", "zocor", "rosuvastatin", "crestor", "pravastatin",
                       "losartan", "cozaar", "valsartan", "hydrochlorothiazide", "hctz",
                       "furosemide", "lasix", "spironolactone", "carvedilol", "propranolol",
                       "atenolol", "albuterol", "inhaler", "montelukast", "singulair",
                       "fluticasone", "flonase", "cetirizine", "zyrtec", "loratadine",
                       "claritin", "fexofenadine", "allegra", "hydroxyzine", "vistaril",
                       "buspirone", "buspar", "tamsulosin", "flomax", "finasteride",
                       "meloxicam", "mobic", "diclofenac", "voltaren", "celecoxib", "celebrex",
                       "cyclobenzaprine", "flexeril", "methocarbamol", "robaxin", "baclofen",
                       "tizanidine", "zanaflex", "glipizide", "jardiance", "januvia",
                       "allopurinol", "lamotrigine", "lamictal", "levetiracetam", "keppra",
                       "ondansetron", "zofran", "sumatriptan", "imitrex", "azithromycin",
                       "zithromax", "z pack", "zpack", "cephalexin", "keflex", "ciprofloxacin",
                       "cipro", "doxycycline", "metronidazole", "flagyl", "bactrim",
                       "valacyclovir", "valtrex", "ivermectin", "estradiol",
                       # a kind of medicine named as one: "my blood pressure pills"
                       "blood pressure pill", "blood pressure pills", "blood pressure medicine",
                       "blood pressure medication", "blood pressure meds", "cholesterol pill",
                       "cholesterol pills", "cholesterol medicine", "cholesterol meds",
                       "thyroid pill", "thyroid pills", "thyroid medicine", "thyroid meds",
                       "water pill", "water pills", "diabetes medicine", "diabetes pills",
                       "diabetes meds"),
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
    ["thanks", "thank", "thx", "ty", "tysm", "thankyou", "cheers", "appreciate", "appreciated",
     "gracias", "grax", "agradezco"]
)  # fmt: skip
SMALL_TALK_WORDS: Final = _wordset(
    """
    hi hello hey heya hiya yo sup howdy morning afternoon evening night gm gn bye goodbye cya
    lol lmao haha hahaha ok okay k cool nice great awesome good fine doing how are you u whats
    up wassup today going day who what is this bot name joke weather love test testing tell
    hola buenas buenos dias tardes noches adios chao saludos tal estas eres quien como que
    muchas mil
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
