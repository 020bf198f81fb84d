"""Nickname roots: one formal name per given name (BOB -> ROBERT, LIZ -> ELIZABETH).

The ``nicknames`` package lists ``has_nickname`` pairs, but the pairs are noisy
and run both ways (it lists BILL as a nickname of ROBERT and ROBERT as a
nickname of BOB), so its ``canonicals_of`` cannot be used as it is. The root
is chosen in two layers:

1. ``CURATED_ROOTS``: a small reviewed table for the common Australian given
   names, including ambiguous short forms that must stay as they are (CHRIS
   may be Christopher or Christine; a false nickname agreement links two
   different people, which is the expensive error here).
2. For every other name in the package: a name that has a *shorter* nickname
   in the data is itself formal and is its own root; otherwise its root is
   the candidate formal name that is longer, starts with the same letter and
   has the most nicknames (at least three). The rule is applied until it
   reaches a fixed point, so ``root(root(x)) == root(x)``.

Anything not in either layer is its own root.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from nicknames import name_triplets

_CURATED: dict[str, str] = {
    "ROBERT": "BOB BOBBY BOBBIE ROB ROBBIE ROBBY",
    "WILLIAM": "BILL BILLY WILL WILLY WILLIE LIAM",
    "ELIZABETH": "LIZ LIZZY LIZZIE LIZA ELIZA BETH BETTY BETSY BESS BESSIE LIBBY",
    "KATHERINE": "KATE KATIE KATY KATHY KAT KATH CATHY CATH KITTY "
    "CATHERINE CATHARINE KATHARINE KATHRYN CATHRYN",
    "JAMES": "JIM JIMMY JIMMIE JAMIE",
    "JOHN": "JACK JOHNNY JOHNNIE",
    "MICHAEL": "MIKE MIKEY MICK MICKY MICKEY",
    "RICHARD": "RICK RICKY RICKIE DICK DICKY RICH RICHIE",
    "THOMAS": "TOM TOMMY",
    "CHRISTOPHER": "KRIS TOPHER",
    "DANIEL": "DAN DANNY",
    "DAVID": "DAVE DAVY DAVO",
    "EDWARD": "ED EDDIE EDDY NED",
    "JOSEPH": "JOE JOEY",
    "MATTHEW": "MATT MATTY",
    "NICHOLAS": "NICK NICKY NICKO",
    "ANTHONY": "TONY",
    "BENJAMIN": "BEN BENNY BENJI",
    "PETER": "PETE",
    "STEPHEN": "STEVE STEVIE STEVEN",
    "TIMOTHY": "TIM TIMMY",
    "ANDREW": "ANDY DREW",
    "GREGORY": "GREG",
    "JENNIFER": "JEN JENNY JENNI JENNIE",
    "MARGARET": "MAGGIE MEG PEGGY PEG MARGE MARGIE MADGE",
    "SUSAN": "SUE SUSIE SUZIE SUZY",
    "DEBORAH": "DEB DEBBIE DEBBY DEBRA",
    "PATRICIA": "TRISH TRICIA PATTY",
    "VICTORIA": "VICKY VICKI TORI",
    "REBECCA": "BEC BECK BECKY BECCA",
    "CHARLES": "CHARLIE CHUCK CHAS",
    "FREDERICK": "FRED FREDDIE FREDDY",
    "LAWRENCE": "LARRY LAURIE",
    "KENNETH": "KEN KENNY",
    "RONALD": "RON RONNIE",
    "DONALD": "DON DONNY",
    "DOUGLAS": "DOUG DOUGIE",
    "JOSHUA": "JOSH",
    "ZACHARY": "ZACH ZAC ZACK",
    "NATHAN": "NATE",
    "ABIGAIL": "ABBY ABBIE ABBEY",
    "AMANDA": "MANDY",
    "NATALIE": "NAT NATTIE",
    "JACQUELINE": "JACKIE",
    "JONATHAN": "JON JONNY",
}

# Short forms shared by several formal names (or names in their own right):
# they keep their own spelling rather than a guessed root.
_AMBIGUOUS = (
    "CHRIS ALEX SAM SAMMY PAT JESS JESSIE JO TONI FRANKIE TERRY BILLIE MARY ANN ANNE ANNA "
    "JANE HARRY TED TEDDY SANDY ROBIN LISA MOLLY POLLY LEO MAX MEL"
)


def _curated() -> dict[str, str]:
    """Flatten the curated table (formal names map to themselves)."""
    roots: dict[str, str] = {}
    for formal, shorts in _CURATED.items():
        roots[formal] = formal
        for short in shorts.split():
            roots[short] = formal
    for name in _AMBIGUOUS.split():
        roots.setdefault(name, name)
    return roots


@cache
def root_table() -> dict[str, str]:
    """Build the full upper-case name -> root table once (about 3,000 names)."""
    nicks: defaultdict[str, set[str]] = defaultdict(set)
    formal_of: defaultdict[str, set[str]] = defaultdict(set)
    for first, relation, second in name_triplets():
        if relation == "has_nickname":
            formal, short = first.upper(), second.upper()
            nicks[formal].add(short)
            formal_of[short].add(formal)
    curated = _curated()

    def step(name: str) -> str:
        """One move towards a more formal name, or the name itself."""
        if any(len(short) < len(name) for short in nicks.get(name, ())):
            return name
        candidates = [
            c
            for c in formal_of.get(name, ())
            if len(c) > len(name) and c[0] == name[0] and len(nicks[c]) >= 3
        ]
        return max(candidates, key=lambda c: (len(nicks[c]), c)) if candidates else name

    def resolve(name: str) -> str:
        """Follow steps to a fixed point; candidates grow longer, so this terminates."""
        while name not in curated:
            nxt = step(name)
            if nxt == name:
                return name
            name = nxt
        return curated[name]

    return {name: resolve(name) for name in {*nicks, *formal_of, *curated}}


def nickname_root(name: str) -> str:
    """The root of one upper-case given name (itself when unknown)."""
    return root_table().get(name, name)
