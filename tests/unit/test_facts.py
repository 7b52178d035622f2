"""Rules that find a different year, number, person or a negation."""

import pytest

from askhist.facts import answer_kind, clauses, negated, only_listed, values
from askhist.stance import OTHERWISE, UNSTATED, Stance, conflict, someone_else_does, stance

pytestmark = pytest.mark.unit

NAMES = ("Stalin", "Trotsky", "Lenin", "Zinoviev", "Kamenev")


def test_values_reads_years_numbers_and_number_words():
    text = "In 1924, 1,200 members and seven leaders; 3.5 per cent; 1923-25."
    found = [(v.kind, v.value, v.last) for v in values(text)]
    assert found == [
        ("year", 1924, None),
        ("number", 1200, None),
        ("number", 7, None),
        ("number", 3.5, None),
        ("year", 1923, 1925),
    ]


def test_values_keep_offsets_into_the_text():
    text = "Lenin died in 1924, not 1922."
    assert [text[v.start : v.end] for v in values(text)] == ["1924", "1922"]


@pytest.mark.parametrize(
    ("statement", "evidence", "expected"),
    [
        ("Lenin died in 1922", "With the death of Lenin in 1924, the struggle began.", "gives 1924, not 1922"),
        ("The Lenin Enrolment began in 1924", "The Lenin Enrolment began in 1928.", "gives 1928, not 1924"),
        ("The Politburo had seven members", "The Politburo had five members.", "gives five, not seven"),
        ("Trotsky was not popular with the party", "Trotsky was popular with the party.", "says the opposite"),
        ("Zinoviev led the Leningrad party", "Kamenev led the Leningrad party.", "names Kamenev, not Zinoviev"),
        (
            "Trotsky joined forces with Zinoviev in 1926",
            "In 1926, Trotsky joined forces with Kamenev.",
            "names Kamenev, not Zinoviev",
        ),
        ("The Lenin Enrolment began in 1922", "The Lenin Enrolment ran from 1923-1925.", "gives 1923-1925, not 1922"),
    ],
)
def test_conflicts_found(statement, evidence, expected):
    assert conflict(statement, evidence, NAMES) == expected


@pytest.mark.parametrize(
    ("statement", "evidence"),
    [
        ("Lenin died in 1924", "Lenin died in 1924."),
        ("Lenin died in 1924", "Lenin suffered a stroke in 1922 and died in 1924."),
        # A year about another event in its own clause says nothing about this one.
        ("Lenin died in 1924", "Stalin was appointed in 1922; Lenin died soon after."),
        ("Trotsky was popular with the army", "Stalin was not trusted by the army, but he waited."),
        ("Stalin became General Secretary in 1922", "In 1922 Stalin was made General Secretary."),
        ("The Lenin Enrolment began in 1924", "Stalin launched the Lenin Enrolment between 1923-1925."),  # a range
        # Only a name is shared with the clause that gives the other year.
        ("In 1926 Stalin replaced Zinoviev", "In 1927, the Duumvirate beat Zinoviev."),
        # A year within the claim's period can be true with it.
        ("The Lenin Enrolment of 1923-1925 doubled the party", "The Lenin Enrolment began in 1924."),
        # Another person and another year: another fact, not this one stated otherwise.
        ("Stalin died in 1953", "When Lenin died in 1924, everybody expected Trotsky to lead."),
        ("Stalin died in 1953", "When Lenin died in 1924, Stalin was ready."),
        # The clause with the other year names only someone else.
        ("Lenin died in 1924", "Lenin fell ill in 1922; Stalin died in 1953."),
        ("Lenin created the Politburo in 1919", "After 1922, Stalin alone served on the Politburo."),
        # "Not only ... but also" adds, it does not deny.
        ("Lenin died in 1924", "Lenin's death in 1924 not only created a vacuum but also a struggle."),
    ],
)
def test_no_conflict(statement, evidence):
    assert conflict(statement, evidence, NAMES) == ""


def test_clauses_cut_at_strong_breaks_only():
    text = "Lenin died in 1924; Stalin rose, but Trotsky fell"
    assert [text[s:e].strip() for s, e in clauses(text)] == ["Lenin died in 1924", "Stalin rose", "Trotsky fell"]


def test_negation_and_answer_kind():
    assert negated("He wasn't trusted") and negated("He was never trusted") and not negated("He was trusted")
    assert answer_kind("When did Lenin die?") == "year"
    assert answer_kind("In what year did Lenin die?") == "year"
    assert answer_kind("How many members did the Politburo have?") == "number"
    assert answer_kind("Why did Trotsky lose?") is None


def test_a_not_in_another_clause_is_no_opposite():
    statement = "Stalin was known among party members as Comrade Card-Index"
    evidence = "Party members knew Stalin as Comrade Card-Index, however they were not aware of his plans."
    assert conflict(statement, evidence, NAMES) == ""


def test_another_event_of_the_same_thing_is_no_conflict():
    assert conflict("The Suez Canal opened in 1870", "Egypt's debts grew in 1875 while the canal prospered.") == ""
    assert conflict("The Suez Canal opened in 1870", "The Suez Canal was opened in 1869.") == "gives 1869, not 1870"


def test_conflict_quotes_the_values_where_they_stand():
    evidence = "Trotsky fell ill; with the death of Lenin in 1924, the struggle began."
    assert conflict("Lenin died in 1922", evidence, NAMES) == "gives 1924, not 1922"


def test_one_difference_makes_a_contradiction_two_make_another_fact():
    claim, names = "Trotsky joined forces with Bukharin in 1926", (*NAMES, "Bukharin")
    assert conflict(claim, "In 1926, Trotsky joined forces with Zinoviev.", names) == "names Zinoviev, not Bukharin"
    assert conflict(claim, "In 1927, Trotsky joined forces with Bukharin.", names) == "gives 1927, not 1926"
    assert conflict(claim, "In 1927, Trotsky joined forces with Zinoviev.", names) == ""
    # The clause naming the claim's own person still counts when another clause names someone else.
    assert conflict("Lenin died in 1922", "Stalin rose; Lenin died in 1924.", NAMES) == "gives 1924, not 1922"


def test_stance_says_whether_the_claims_values_are_stated():
    claim = "The Lenin Enrolment began in 1924"
    assert stance(claim, "The Lenin Enrolment began in 1924.", NAMES) == Stance()
    assert stance(claim, "The Lenin Enrolment began after Lenin died.", NAMES) == Stance(dating=UNSTATED)
    # A range states its first and last year; a year within a dated claim's period is part of it.
    assert stance("Stalin launched the Lenin Enrolment in 1923", "He launched it in 1923-1925.") == Stance()
    assert stance("The Enrolment of 1923-1925 doubled the party", "It began in 1924.") == Stance(dating=UNSTATED)
    # Only other years: another event's, or a period around the claim's.
    assert stance(claim, "Stalin was appointed in 1922; the Enrolment came later.", NAMES) == Stance(dating=OTHERWISE)
    vague = stance(claim, "The Lenin Enrolment ran from 1923-1925.", NAMES)
    assert vague == Stance(dating=OTHERWISE, note="gives only 1923-1925, which includes 1924")
    overlapping = stance("The purge ran from 1936-1938", "The purge ran from 1937-1939.")
    assert overlapping == Stance(dating=OTHERWISE, note="gives only 1937-1939, which overlaps 1936-1938")


def test_a_count_of_another_order_counts_something_else():
    claim = "The Lenin Enrolment brought about 50,000 new members into the party"
    assert conflict(claim, "This caused an influx of 500,000 party members.", NAMES) == "gives 500,000, not 50,000"
    assert conflict(claim, "The Politburo was a group of eight party members.", NAMES) == ""
    # ... and its years are not the claim's either.
    dated = "The Lenin Enrolment of 1923-1925 brought 500,000 new members into the party"
    assert conflict(dated, "In 1919 the Politburo was a group of eight party members.", NAMES) == ""
    assert conflict("The Politburo had seven members", "The Politburo had five members.") == "gives five, not seven"


def test_a_value_belongs_to_the_person_named_in_its_part_of_the_clause():
    assert conflict("Stalin died in 1953", "After Lenin's death in 1924, Stalin took the documents.", NAMES) == ""
    evidence = "In 1922, when Lenin died, someone had to lead."  # the part "In 1922" names no one: the clause's
    assert conflict("Lenin died in 1924", evidence, NAMES) == "gives 1922, not 1924"


def test_stance_names_the_respect_of_the_contradiction():
    assert stance("Lenin died in 1922", "Lenin died in 1924.", NAMES).respect == "year"
    assert stance("The Politburo had seven members", "The Politburo had five members.").respect == "number"
    assert stance("Zinoviev led the Leningrad party", "Kamenev led the Leningrad party.", NAMES).respect == "person"
    assert stance("Trotsky was not popular", "Trotsky was popular.", NAMES).respect == "negation"
    assert stance("Lenin died in 1924", "Lenin died in 1924.", NAMES).respect == ""


def test_a_decade_is_a_range_of_years():
    assert [(v.value, v.last) for v in values("in the 1860s, then 1870")] == [(1860, 1869), (1870, None)]
    # A year of the decade can be true with it; a year or decade outside it cannot.
    assert conflict("The canal was built in the 1860s", "The canal was built in 1864-68.") == ""
    assert conflict("The canal was built in the 1860s", "The canal was built in the 1880s.") == "gives 1880s, not 1860s"


def test_tens_in_words_and_scaled_counts_are_numbers():
    found = [(v.value, v.start, v.end) for v in values("fifty years; 1.5 million people; 2 thousand")]
    assert found == [(50, 0, 5), (1_500_000, 13, 24), (2000, 33, 43)]
    seventy = "The state lasted for seventy years."
    assert conflict("The state lasted for fifty years", seventy) == "gives seventy, not fifty"


def test_the_note_gives_the_count_nearest_the_claims():
    evidence = "The purges hit around 1.5 million people and killed 680,000 people."
    assert conflict("The purges killed about 68,000 people", evidence) == "gives 680,000, not 68,000"


def test_lacked_denies_had():
    statement = "Trotsky had a strong foothold in the party"
    assert conflict(statement, "Trotsky lacked a strong foothold in the party.", NAMES) == "says the opposite"
    assert conflict(statement, "Trotsky had a strong foothold in the party.", NAMES) == ""


def test_another_person_must_stand_where_the_claim_names_its_person():
    # Kirov, named once in a collection, is no known name: his place says he is someone else.
    statement, evidence = "In 1926 Stalin replaced Zinoviev with Kamenev", "In 1926 I replaced Zinoviev with Kirov."
    assert conflict(statement, evidence, NAMES) == "names Kirov, not Kamenev"
    evidence = "Zinoviev was led by Leon Trotsky."
    assert conflict("Zinoviev was led by Lenin", evidence, NAMES) == "names Trotsky, not Lenin"
    # People named elsewhere in the sentence are not in the claim's person's place.
    evidence = "As he was dying, a struggle emerged between Trotsky and Stalin."
    assert conflict("Lenin died in 1924", evidence, NAMES) == ""
    offices = (*NAMES, "Commissar", "Nationalities")
    evidence = "From 1917 I was Commissar for Nationalities, head of the Inspectorate."
    assert conflict("Stalin was head of the Inspectorate", evidence, offices) == ""


def test_someone_else_in_the_claims_persons_place_makes_another_fact():
    # Lenin died, not Stalin: a year of Lenin's death is no year of Stalin's.
    assert conflict("Stalin died in 1953", "In 1924, Lenin died and Stalin took over.", NAMES) == ""
    assert conflict("Lenin died in 1922", "In 1924, Lenin died and Stalin took over.", NAMES) == "gives 1924, not 1922"
    # Alexander died, not Lenin: the "never" is about something else.
    evidence = "Lenin never forgave the Tsar, because his brother Alexander died on the gallows."
    assert conflict("Lenin died in 1922", evidence, NAMES) == ""
    assert conflict("Lenin died in 1922", evidence.replace(" Alexander", ""), NAMES) == "says the opposite"


def test_un_and_dis_say_the_opposite():
    assert conflict("Trotsky was popular with the party", "Trotsky was unpopular with the party.", NAMES) == (
        "says the opposite"
    )
    assert conflict("Trotsky was unpopular with the party", "Trotsky was popular with the party.", NAMES) == (
        "says the opposite"
    )
    assert conflict("Stalin replaced the loyal Zinoviev", "Stalin replaced the disloyal Zinoviev.", NAMES) == (
        "says the opposite"
    )
    # Two opposites cancel; a word that merely begins with "un" is no opposite.
    assert conflict("Trotsky was popular with the party", "Trotsky was not unpopular with the party.", NAMES) == ""
    assert conflict("Trotsky was popular with the party", "Trotsky was popular with the party until 1924.", NAMES) == ""


def test_a_not_inside_a_quotation_is_the_quoted_speakers():
    statement = "Lenin's testament called Stalin too coarse"
    evidence = (
        "His insult was recorded in Lenin's testament, \u201cI am not sure that Stalin will use that power.\u201d"
    )
    assert conflict(statement, evidence, NAMES) == ""
    assert conflict(statement, evidence.replace("\u201c", "").replace("\u201d", ""), NAMES) == "says the opposite"
    # A quoted phrase still belongs to its clause's facts.
    text = 'He saw it as a "grey blank" (1922)'
    assert [text[s:e] for s, e in clauses(text)] == ['He saw it as a "grey blank" ', "1922"]


def test_a_not_in_a_sentence_close_by_meaning_needs_fewer_of_the_claims_words():
    statement = "The United Opposition were allowed to speak at the Fifteenth Party Conference"
    evidence = "They were not allowed to talk at the Fifteenth Party Conference."  # 4 of its 7 words
    assert stance(statement, evidence, NAMES).conflict == ""
    assert stance(statement, evidence, NAMES, close=True).conflict == "says the opposite"
    assert stance(statement, "The Fifteenth Party Conference was not held in Moscow.", NAMES, close=True).conflict == ""


@pytest.mark.parametrize(
    "sentence",
    [
        "I did not, however secure the role of Gen. Secretary until 1922, giving me access to a wealth of "
        "information on party members, as well as the right of patronage.",
        "On Lenin's death, Stalin was able to deliver the main oration at his funeral, "
        "while Trotsky didn't even attend.",
        "\u201cComrade Stalin has unlimited authority concentrated in his hands, and I am not sure whether he will "
        "always be capable of using that authority with sufficient caution.\u201d",
    ],
)
def test_a_statement_of_two_clauses_one_with_a_not_does_not_contradict_itself(sentence):
    # Its clause with the "not" is compared with the evidence's clause that says the same thing.
    assert stance(sentence, sentence, NAMES).conflict == ""
    assert stance(sentence, sentence, NAMES, close=True).conflict == ""


def test_the_not_is_read_in_the_statements_clause_that_the_evidence_says():
    statement = "Trotsky was a brilliant speaker, but he did not have a foothold in the party."
    assert conflict(statement, "Trotsky had a strong foothold in the party.", NAMES) == "says the opposite"
    assert conflict(statement, "Trotsky was a brilliant speaker.", NAMES) == ""


def test_someone_else_does_the_asked_event():
    question = "In what year did Stalin die?"
    assert someone_else_does(question, "However, in 1924, Lenin died and Josef Stalin assumed leadership.")
    assert someone_else_does(question.lower(), "However, in 1924, Lenin died and Josef Stalin assumed leadership.")
    # The asked person in the place too, or nobody else there: not someone else's event.
    assert not someone_else_does(question, "Stalin died in 1953, and Lenin died in 1924.")
    assert not someone_else_does(question, "From 1919 to when Stalin died in 1953, the Gulags grew.")
    assert not someone_else_does(question, "As he was dying, a struggle emerged between Trotsky and Stalin.")
    # A stop word is no place: "it was Kamenev who" is not where "Why was Stalin…" puts Stalin.
    assert not someone_else_does("Why was Stalin chosen?", "In 1924, it was Zinoviev and Kamenev who battled.")
    assert someone_else_does("Why was Stalin chosen?", "In 1924, Zinoviev chosen by the party stood against Stalin.")
    # The sentence must name the asked person: else it is another's event, or another spelling of the same.
    assert not someone_else_does("Who played at Superbowl 50?", "Pepsi said Coldplay would play at Super Bowl 50.")
    assert someone_else_does("When did Beyonce perform?", "Once Beyoncé sang, Coldplay performed.")
    assert not someone_else_does("When did Beyonce perform?", "Once Coldplay sang, Beyoncé performed.")
    # What a person has is no place: "his Jewish background" is Trotsky's own.
    question = "What was it about Trotsky's background that made him unpopular?"
    assert not someone_else_does(question, "Yet Trotsky was not popular due to his wealthy Jewish background.")
    # Next to it means with no punctuation between.
    assert not someone_else_does("When did Namgyal reign?", "Then Namgyal took control (of Tsang), reigning long.")
    # A role is no person ("a Republican won" is also "Coolidge won"), nor is an abbreviation or a name's rest.
    question = "In what year did a Republican win the city?"
    assert not someone_else_does(question, "The city was not won by a Republican since Calvin Coolidge win in 1924.")
    assert not someone_else_does("At what date did the aftershock of 6 MS occur?", "On the MS scale an M6 occurred.")
    question = "How many homicides were there in New York City in 2014?"
    assert not someone_else_does(question, "New York had 328 homicides, fewer than American cities had.")
    # Known names stand anywhere, even first.
    assert someone_else_does("When did Kamenev die?", "Lenin died in 1924, before Kamenev spoke.", NAMES)
    assert not someone_else_does("When did Kamenev die?", "Lenin died in 1924, before Kamenev spoke.")


def test_the_asked_people_only_in_a_list_of_everyone():
    question = "How did Zinoviev and Kamenev help Stalin after Lenin died?"
    listed = "Lenin's death began a struggle between Stalin, Trotsky, Zinoviev, Kamenev and Bukharin."
    assert only_listed(question, listed)
    # Named outside the list, or in a list of two, they are what the sentence is about.
    assert not only_listed(question, "After Lenin's death, Kamenev and Zinoviev kept his testament from the congress.")
    assert not only_listed(question, "Zinoviev, unlike Trotsky, Kamenev and Bukharin, sided with Stalin.")
    assert not only_listed("Why did Trotsky lose?", "A struggle emerged between Leon Trotsky, and Joseph Stalin.")
    # Only the people a why/how question asks about, written with capitals after its verb.
    assert not only_listed("Who were the main rivals?", listed)
    assert not only_listed("how did zinoviev help stalin", listed)
    assert not only_listed("How did Stalin's rivals help him?", "Zinoviev, Kamenev and Bukharin met.")
