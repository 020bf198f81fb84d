"""Bundled name and place lists for the synthetic multi-agency generator.

Lists are in rough frequency order (most common first); the generator gives
them Zipf-like weights by rank, and mixes the surname groups by the weights in
``SURNAME_GROUP_WEIGHTS`` so the population resembles Victoria's: mostly
Anglo-Celtic, with Italian, Greek, Vietnamese, Chinese, Indian,
Lebanese/Arabic, other European and Aboriginal and Torres Strait Islander
family names. Multi-word names are written with ``_`` for a space.

All data is compiled by hand from general knowledge of common Australian names
and Victorian localities; nothing is downloaded at run time.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    """Split a whitespace list (first occurrence kept); ``_`` stands for a space."""
    return tuple(dict.fromkeys(w.replace("_", " ") for w in text.split()))


MALE_GIVEN = _words(
    """
    James John Michael David Peter Robert Daniel Matthew Andrew Christopher Joshua Thomas
    William Benjamin Mark Paul Ryan Jack Nicholas Anthony Luke Steven Richard Adam Samuel
    Jason Scott Stephen Brendan Shane Craig Nathan Jonathan Timothy Aaron Bradley Dylan
    Liam Ethan Noah Oliver Lachlan Jordan Kyle Jake Mitchell Cameron Joseph Brian Kevin
    Gary Wayne Darren Glenn Dean Troy Brett Grant Trent Justin Simon Patrick Sean Kane
    Jayden Riley Blake Tyler Harrison Cooper Charlie Max Lucas Henry Alexander Harry
    George Edward Charles Frederick Raymond Kenneth Ronald Donald Gregory Keith Neil Ian
    Graham Russell Rodney Warren Murray Barry Colin Geoffrey Trevor Allan Alan Terry
    Leslie Dennis Phillip Philip Vincent Lawrence Francis Gerard Martin Tony Frank Nick
    Shaun Jesse Jamie Corey Travis Luke Isaac Zachary Hamish Angus Fraser Callum Connor
    Declan Finn Hugo Archie Oscar Leo Hunter Flynn Mason Logan Bailey Jaxon Hudson Xavier
    Levi Caleb Elijah Gabriel Sebastian Patrick Toby Jackson Marcus Damien Stuart Rhys
    Alexander Christian Dominic Julian Victor Arthur Albert Walter Stanley Norman Ernest
    Giuseppe Giovanni Salvatore Antonio Francesco Domenico Luigi Marco Luca Matteo Rocco
    Vito Carmelo Angelo Pasquale Vincenzo Nikolaos Georgios Konstantinos Dimitrios Ioannis
    Christos Panagiotis Vasilios Spiros Stavros Con Jim Steve
    Minh Tuan Hung Dung Thanh Duc Quang Hai Long Nam Phuc Khoa Bao Huy Vinh Trung
    Wei Jun Hao Ming Jian Lei Yong Chen Zhi Kai Tao
    Rahul Amit Raj Arjun Vikram Sanjay Ravi Anil Suresh Rajesh Harpreet Gurpreet Manpreet
    Sandeep Amandeep Jaspreet Harjit Mohit Karan Rohan Aditya Deepak
    Mohammed Muhammad Ahmed Ali Omar Hassan Hussein Ibrahim Khaled Mustafa Bilal Youssef
    Ahmad Mahmoud Karim Tariq Samir Fadi Rami Jamal Walid Elias Georges Tony Michel
    Abdul Abdi Mohamed Hamza Yusuf Zain Adel Nabil
    Jarrah Kirra Bunji Tjarra Koorine Yarran
    Mehmet Mustafa Emre Dragan Zoran Goran Milan Nikola Stefan Aleksandar Piotr Tomasz
    Jan Pieter Hans Klaus Juan Carlos Jose Luis Miguel Diego Pablo Sione Tevita Aziz
    Reza Ali Farid Dawit Tesfaye Deng Majok Garang Akol
    """
)

FEMALE_GIVEN = _words(
    """
    Sarah Jessica Emma Emily Rebecca Michelle Nicole Lisa Jennifer Amanda Kylie Melissa
    Rachel Stephanie Laura Hannah Chloe Olivia Ashley Samantha Kate Katherine Catherine
    Elizabeth Jane Mary Margaret Susan Patricia Karen Linda Julie Kim Deborah Helen
    Christine Joanne Tracey Tracy Leanne Sharon Donna Kerry Kelly Natalie Danielle
    Amy Ella Charlotte Mia Ava Grace Sophie Isabella Zoe Ruby Lily Matilda Evie Harper
    Isla Willow Sienna Georgia Madison Jasmine Tayla Courtney Brooke Kayla Shannon Jade
    Caitlin Bianca Alana Tegan Renee Krystal Casey Hayley Emily Alice Annabelle Amelia
    Abigail Audrey Heidi Holly Ivy Layla Maddison Paige Phoebe Scarlett Stella Summer
    Anne Ann Ruth Joan Dorothy Barbara Shirley Beverley Judith Janet Pamela Carol Gail
    Glenda Lynette Robyn Denise Wendy Jennifer Cheryl Maree Marie Andrea Nicola Fiona
    Belinda Simone Vanessa Megan Erin Tanya Tamara Naomi Leah Kirsten Kristy Kristen
    Angela Rose Rosemary Victoria Alexandra Caroline Claire Louise Heather Alison Gillian
    Diane Dianne Jacqueline Josephine Veronica Teresa Theresa Monica Frances Virginia
    Eleanor Florence Edith Evelyn Irene Doris Gladys Jean Joyce Betty Nancy Peggy Dorothy
    Maria Giuseppina Antonietta Rosa Carmela Francesca Angela Anna Lucia Concetta Teresa
    Giulia Chiara Sofia Alessandra Gabriella Elena Daniela Silvana
    Eleni Georgia Maria Despina Vasiliki Konstantina Dimitra Panagiota Athena Sophia
    Katerina Anastasia Christina Paraskevi Voula
    Thi Linh Lan Mai Huong Hoa Thu Trang Ngoc Thao Anh Hanh Nga Phuong Tuyet Hien Kim
    Mei Li Xin Yan Ying Hui Jing Xiao Ling Fang Qian Yu
    Priya Pooja Anjali Sunita Neha Kavita Harpreet Simran Manpreet Gurpreet Jaspreet Navdeep
    Sandeep Ritu Deepika Aishwarya Divya Shreya Lakshmi
    Fatima Aisha Mariam Zainab Layla Noor Sara Hana Amira Yasmin Rania Nadia Leila
    Samira Hiba Huda Dina Rana Lina Maha Salma Khadija Amina Asha
    Kirra Jedda Tanika Alinta Marlee Kiah Talara Mirrin
    Ayse Fatma Zeynep Elif Milica Jelena Ivana Marija Ana Agnieszka Katarzyna Anna
    Ingrid Greta Carmen Lucia Isabel Mele Losana Sina Aziza Mahsa Shirin Nyibol Achol
    Awut Abuk Helen Hannah
    """
)

SURNAMES_ANGLO = _words(
    """
    Smith Jones Williams Brown Wilson Taylor Johnson White Martin Anderson Thompson
    Walker Harris Lee Ryan Robinson Kelly King Davis Wright Evans Roberts Green Hall Wood
    Jackson Clarke Thomas Mitchell Hughes Murphy Edwards Campbell Turner Lewis Young Allen
    Harrison Scott Morris Stewart Moore Clark Baker Cooper Hill Phillips Ward Wilkinson
    Watson Johnston James Bell Miller Davies Morgan Murray Collins Cook Parker Kennedy
    Graham Richardson Shaw Sullivan Russell Fraser Hamilton Marshall Walsh Chapman Hunt
    Cox Grant Mills Bennett Simpson Gray Grey Kerr Mason Kennedy Ross Reid Dunn Matthews
    Lawrence Bailey Lloyd Adams Burns Cole Carter Dixon Knight Ellis Wallace Hart Jenkins
    Stevens Palmer Gordon Holmes Fisher Barnes Webb Hayes Butler Price Fox McDonald
    MacDonald McKenzie Mackenzie Macdonald Mcleod McLeod McGregor McCarthy McMahon
    McNamara McKay McLean Macleod McIntosh McCormack McInnes McGrath McGuire McCann
    O'Brien O'Connor O'Neill O'Sullivan O'Donnell O'Keefe O'Reilly O'Callaghan O'Connell
    O'Dwyer O'Shea O'Toole O'Hara Doyle Byrne Brennan Quinn Gallagher Fitzgerald
    Fitzpatrick Kavanagh Keane Lynch Maguire Nolan Power Regan Sheehan Brady Burke
    Casey Carroll Daly Duffy Egan Flanagan Flynn Hogan Kearney Kenny Leahy Moran Mulcahy
    Nugent Quigley Riordan Tierney Whelan Connolly Costello Cullen Delaney Dempsey
    Donovan Dowling Farrell Foley Hennessy Higgins Hurley Keating Lane Lynch Maher
    Malone Molloy Mooney Noonan Phelan Rafferty Scanlon Sheridan Slattery Sweeney
    Anderson Andrews Armstrong Arnold Atkinson Austin Bird Black Blair Booth Bradley
    Brooks Bryant Buckley Burgess Burton Byrne Cameron Carr Chambers Charlton Clarke
    Coleman Collins Conway Crawford Cross Cunningham Curtis Dawson Day Dean Dennis
    Douglas Duncan Elliott Ferguson Fleming Ford Foster Francis Freeman Gardner Gibson
    Gilbert Gill Goodwin Gough Graham Griffiths Hall Hammond Hansen Harding Hardy Harper
    Harvey Hawkins Hayes Henderson Hewitt Hicks Hodges Holland Hopkins Horton Houston
    Howard Howe Hudson Hunter Hutchinson Ingram Irwin Jacobs Jarvis Jeffery Jennings
    Jordan Keller Kemp Kent Kirby Knowles Lamb Lambert Lang Lawson Leach Little Long
    Lowe Lucas Lynch Mann Marsh Maxwell May Mclaren Mead Mercer Miles Millar Mitchell
    Moss Muir Munro Nash Newman Newton Nicholls Nicholson Norris Norton Oliver Osborne
    Owen Owens Page Parsons Patterson Payne Pearce Pearson Perry Peters Porter Potter
    Pratt Preston Pritchard Ramsay Rees Reeves Reynolds Rhodes Rice Richards Riley
    Robertson Rogers Rose Rowe Russell Ryan Sanders Saunders Schofield Sharp Shepherd
    Short Simmons Sinclair Skinner Slater Spencer Stanley Steele Stephens Stone Sutton
    Sutherland Swan Tait Thomson Todd Townsend Tucker Turnbull Vaughan Wade Walsh Walters
    Ward Warren Waters Watts Webster Welsh West Wheeler Whitehead Wilkins Williamson
    Willis Wong Woods Wyatt Yates Young Abbott Ashton Bartlett Bates Baxter Beattie
    Bishop Blake Bond Bowen Boyd Boyle Bradshaw Briggs Brennan Brooks Bruce Burrows Bush
    Cartwright Chandler Chapman Christie Clancy Coates Cole Connor Cousins Craig Crowe
    Dale Davey Denton Dickson Dobson Doherty Donnelly Drummond Dunne Dyer Eaton Emery
    Farmer Field Finch Fletcher Forbes Forrest Fowler Frost Fuller Gale Garner Gibbs
    Gilmore Glover Goddard Gordon Gould Graves Greenwood Gregory Hale Hancock Hanson
    Harrington Haynes Heath Herbert Hobbs Hodgson Hogg Holden Hooper Hope Howell Hull
    Humphreys Hyde Jamieson Jeffries Joyce Kay Kirk Knox Lane Law Leonard Lindsay Lord
    Lyons Mackay Mahoney Manning Marks Marshall Martin Matthews McCallum McFarlane
    McKinnon McPherson Meyer Milne Moody Morrison Morton Nelson Nixon Noble North Oakley
    Paterson Pike Pollard Poole Quinlan Randall Rankin Read Reilly Rennie Ritchie Roach
    Robson Rowley Rushton Russo Salter Sandhu Sargent Savage Sexton Sharpe Simms Small
    Snow Sparks Stanton Stark Stokes Strong Summers Sykes Talbot Tate Thorne Tilley Tobin
    Tyler Underwood Vincent Waite Walton Warner Watkins Weaver Wells Whitaker Whittaker
    Wiggins Wilde Wilkes Winter Wolfe Woodward Worthington Wren Wylie Yeo
    Ahern Barry Boland Cahill Callaghan Corcoran Coughlan Cronin Curran Dillon Dolan
    Drew Fagan Fallon Fenton Finnegan Gleeson Gorman Hanrahan Heffernan Horan Hynes
    Kiely Kinsella Lenehan Loughlin Lucey McAuliffe McCarty Meehan Mulligan Nagle
    Nevin Roche Ronan Shanahan Spillane Toomey Twomey
    """
)

SURNAMES_ITALIAN = _words(
    """
    Russo Romano Ferrari Esposito Bianchi Colombo Ricci Marino Greco Bruno Gallo Conti
    De_Luca Costa Giordano Mancini Rizzo Lombardi Moretti Barbieri Fontana Santoro
    Mariani Rinaldi Caruso Ferrara Galli Martini Leone Longo Gentile Martinelli Vitale
    Lombardo Serra Coppola De_Santis D'Angelo Marchetti Parisi Villa Conte Ferraro
    Ferri Fabbri Bianco Marini Grasso Valentini Messina Sala De_Angelis Gatti Pellegrini
    Palumbo Sanna Farina Rizzi Monti Cattaneo Morelli Amato Silvestri Mazza Testa
    Grassi Pellegrino Carbone Giuliani Benedetti Barone Rossetti Caputo Montanari
    Guerra Palmieri Bernardi Martino Fiore De_Rosa Ferretti Bellini Basile Riva Donati
    Piras Vitali Battaglia Sartori Neri Costantini Milani Pagano Ruggiero Sorrentino
    D'Amico Orlando Damico Negri Cirillo Di_Stefano Napoli Pace Sacco Zappia Trimboli
    Agostino Catanzariti Perri Spagnolo Scarfo Nicoletti Sergi Barbaro Italiano Papalia
    """
)

SURNAMES_GREEK = _words(
    """
    Papadopoulos Georgiou Nikolaou Dimitriou Konstantinou Ioannou Christou Vasiliou
    Papadakis Pappas Karagiannis Alexiou Economou Oikonomou Antoniou Athanasiou
    Theodorou Panagiotou Stavrou Kyriakou Michailidis Papageorgiou Karras Kostas
    Angelopoulos Andreou Petrou Demetriou Giannopoulos Koutsoukos Lambropoulos
    Manolis Mavros Nikolopoulos Papas Raptis Sotiriou Triantafyllou Tsakalos
    Vlahos Xenos Zervos Anastasiou Charalambous Chrysanthou Fotiou Galanis
    Georgiadis Hatzis Kalogeropoulos Kapsalis Katsaros Kontos Kouris Liapis
    Makris Marinos Mitropoulos Moustakas Panayiotou Paraskevopoulos Pavlou
    Sarris Spanos Stamatis Tsoukalas Vasilakis Zafiropoulos Kalamaras
    """
)

SURNAMES_VIETNAMESE = _words(
    """
    Nguyen Tran Le Pham Huynh Hoang Phan Vu Vo Dang Bui Do Ho Ngo Duong Ly Truong Dinh
    Lam Mai Trinh Luong Doan Cao Ha Quach Ta Luu Chau Kieu Tang
    """
)

SURNAMES_CHINESE = _words(
    """
    Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo
    Zheng Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai
    Jiang Yu Du Ye Cheng Wei Su Lu Ding Ren Shen Yao Wong Chan Cheung Lau Ng Ho Leung
    Chow Tam Yip Lim Tan Chua Goh Teo Ong Koh Chong Chin Foo Kwok
    """
)

SURNAMES_INDIAN = _words(
    """
    Singh Kaur Patel Sharma Kumar Gupta Shah Khan Reddy Rao Nair Iyer Menon Pillai Joshi
    Mehta Desai Verma Agarwal Malhotra Kapoor Chopra Bhatia Arora Sandhu Gill Dhillon
    Sidhu Grewal Brar Bains Sekhon Mann Chahal Randhawa Jain Mishra Pandey Tiwari Yadav
    Chauhan Thakur Saini Bhatt Trivedi Kulkarni Deshpande Naidu Chaudhary Banerjee
    Chatterjee Mukherjee Das Bose Ghosh Dutta Sen Fernandes D'Souza Pereira De_Silva
    Perera Fernando Jayasinghe Wickramasinghe Rajapaksa Gunawardena Mendis
    """
)

SURNAMES_ARABIC = _words(
    """
    Haddad Khoury Nasser Saleh Hassan Hussein Ibrahim Ahmed Ali Mohamed Abdallah
    Mansour Khalil Youssef Farah Habib Karam Chahine Daher El-Khoury Fakhoury Hanna
    Issa Jaber Kassem Makhoul Rahme Sleiman Tannous Yassine Zreika Dib Moussa Srour
    Saab Harb Fares Abboud Hamdan Hammoud Merhi Najjar Rizk Shaheen Sabbagh Awad
    Bazzi Chami Dandan El-Hage Fayad Ghazal Hijazi Kanaan Malouf Nassif Omari Sayegh
    Taha Zeidan Alameddine Elmasri Al-Hassan Mahmoud
    """
)

SURNAMES_OTHER_EUROPEAN = _words(
    """
    Muller Schmidt Schneider Fischer Weber Wagner Becker Hoffmann Schulz Klein Wolf
    Neumann Schwarz Van_Dijk De_Jong Jansen De_Vries Van_den_Berg Bakker Visser Smit
    Kowalski Nowak Wisniewski Wojcik Kaminski Lewandowski Zielinski Jovanovic Petrovic
    Nikolic Markovic Djordjevic Stojanovic Ilic Horvat Kovacevic Babic Maric Novak Popovic
    Yilmaz Kaya Demir Sahin Celik Yildiz Aydin Ozturk Arslan Dogan Hernandez Garcia
    Rodriguez Martinez Lopez Gonzalez Perez Sanchez Ramirez Torres Fernandez Silva
    Santos Ferreira Oliveira Kim Park Choi Jung Kang Cho Yoon Jang Lim Han Santos
    Reyes Cruz Bautista Ocampo Mendoza Aquino Ramos Villanueva Garcia
    Tuipulotu Fifita Tonga Taufa Leota Faleolo Amituanai Deng Garang Majok Akol Mohamud
    Abdi Hussein Warsame Tesfaye Haile Gebremedhin Rahimi Hosseini Ahmadi Karimi Sultani
    """
)

SURNAMES_INDIGENOUS = _words(
    """
    Atkinson Briggs Bamblett Clarke Charles Mullett Onus Lovett Couzens Harradine
    Nicholls Walker Edwards Morgan Jackson Murray Hood Dunolly Egan Saunders Stewart
    Cooper Roberts Thorpe Austin Firebrace Kennedy Patten Rose Solomon McGuinness
    Mabo Bani Nona Ahmat Passi Mosby Tabuai Stephen Kris Anau Namok Gela Thaiday
    Pitt Wandin Terrick Hunter Lovett-Murray Muir Marks Kerr Rotumah Peters Mullins
    Dixon Little Edwards-Nicholls Mongta Bell Yarra
    """
)

SURNAME_GROUPS: dict[str, tuple[str, ...]] = {
    "anglo": SURNAMES_ANGLO,
    "italian": SURNAMES_ITALIAN,
    "greek": SURNAMES_GREEK,
    "vietnamese": SURNAMES_VIETNAMESE,
    "chinese": SURNAMES_CHINESE,
    "indian": SURNAMES_INDIAN,
    "arabic": SURNAMES_ARABIC,
    "other_european": SURNAMES_OTHER_EUROPEAN,
    "indigenous": SURNAMES_INDIGENOUS,
}

# Share of the population whose family name comes from each group.
SURNAME_GROUP_WEIGHTS: dict[str, float] = {
    "anglo": 0.62,
    "italian": 0.07,
    "greek": 0.05,
    "vietnamese": 0.04,
    "chinese": 0.06,
    "indian": 0.06,
    "arabic": 0.03,
    "other_european": 0.04,
    "indigenous": 0.03,
}

# (suburb, postcode): Victorian localities with their real postcodes.
SUBURBS: tuple[tuple[str, str], ...] = tuple(
    (name.replace("_", " "), code)
    for name, code in (
        item.split(":")
        for item in [
            "Melbourne:3000",
            "Southbank:3006",
            "Docklands:3008",
            "Footscray:3011",
            "Yarraville:3013",
            "Newport:3015",
            "Williamstown:3016",
            "Altona:3018",
            "Braybrook:3019",
            "Sunshine:3020",
            "Albion:3020",
            "St_Albans:3021",
            "Kings_Park:3021",
            "Ardeer:3022",
            "Deer_Park:3023",
            "Caroline_Springs:3023",
            "Wyndham_Vale:3024",
            "Hoppers_Crossing:3029",
            "Tarneit:3029",
            "Truganina:3029",
            "Werribee:3030",
            "Point_Cook:3030",
            "Kensington:3031",
            "Flemington:3031",
            "Maribyrnong:3032",
            "Ascot_Vale:3032",
            "Keilor:3036",
            "Sydenham:3037",
            "Delahey:3037",
            "Hillside:3037",
            "Taylors_Lakes:3038",
            "Moonee_Ponds:3039",
            "Essendon:3040",
            "Pascoe_Vale:3044",
            "Glenroy:3046",
            "Hadfield:3046",
            "Oak_Park:3046",
            "Broadmeadows:3047",
            "Dallas:3047",
            "Meadow_Heights:3048",
            "Coolaroo:3048",
            "North_Melbourne:3051",
            "Parkville:3052",
            "Carlton:3053",
            "Brunswick_West:3055",
            "Brunswick:3056",
            "Brunswick_East:3057",
            "Coburg:3058",
            "Fawkner:3060",
            "Campbellfield:3061",
            "Craigieburn:3064",
            "Roxburgh_Park:3064",
            "Fitzroy:3065",
            "Collingwood:3066",
            "Abbotsford:3067",
            "Clifton_Hill:3068",
            "Northcote:3070",
            "Thornbury:3071",
            "Preston:3072",
            "Reservoir:3073",
            "Thomastown:3074",
            "Lalor:3075",
            "Epping:3076",
            "Fairfield:3078",
            "Alphington:3078",
            "Ivanhoe:3079",
            "Mill_Park:3082",
            "Bundoora:3083",
            "Heidelberg:3084",
            "Rosanna:3084",
            "Greensborough:3088",
            "Diamond_Creek:3089",
            "Montmorency:3094",
            "Eltham:3095",
            "Hurstbridge:3099",
            "Kew:3101",
            "Doncaster:3108",
            "Richmond:3121",
            "Hawthorn:3122",
            "Camberwell:3124",
            "Burwood:3125",
            "Box_Hill:3128",
            "Blackburn:3130",
            "Nunawading:3131",
            "Mitcham:3132",
            "Ringwood:3134",
            "Croydon:3136",
            "Mooroolbark:3138",
            "Lilydale:3140",
            "South_Yarra:3141",
            "Toorak:3142",
            "Malvern:3144",
            "Ashburton:3147",
            "Chadstone:3148",
            "Mount_Waverley:3149",
            "Glen_Waverley:3150",
            "Wantirna:3152",
            "Bayswater:3153",
            "Boronia:3155",
            "Ferntree_Gully:3156",
            "Caulfield:3162",
            "Carnegie:3163",
            "Glen_Huntly:3163",
            "Murrumbeena:3163",
            "Oakleigh:3166",
            "Hughesdale:3166",
            "Clayton:3168",
            "Clayton_South:3169",
            "Mulgrave:3170",
            "Springvale:3171",
            "Dingley_Village:3172",
            "Keysborough:3173",
            "Noble_Park:3174",
            "Dandenong:3175",
            "Doveton:3177",
            "Rowville:3178",
            "Scoresby:3179",
            "Knoxfield:3180",
            "Prahran:3181",
            "Windsor:3181",
            "St_Kilda:3182",
            "Balaclava:3183",
            "Elwood:3184",
            "Elsternwick:3185",
            "Ripponlea:3185",
            "Brighton:3186",
            "Moorabbin:3189",
            "Highett:3190",
            "Sandringham:3191",
            "Cheltenham:3192",
            "Black_Rock:3193",
            "Beaumaris:3193",
            "Mordialloc:3195",
            "Chelsea:3196",
            "Carrum:3197",
            "Seaford:3198",
            "Frankston:3199",
            "Carrum_Downs:3201",
            "Bentleigh:3204",
            "Ormond:3204",
            "McKinnon:3204",
            "South_Melbourne:3205",
            "Albert_Park:3206",
            "Port_Melbourne:3207",
            "Lara:3212",
            "Corio:3214",
            "Norlane:3214",
            "Bell_Park:3215",
            "Belmont:3216",
            "Highton:3216",
            "Grovedale:3216",
            "Newcomb:3219",
            "Whittington:3219",
            "Geelong:3220",
            "Drysdale:3222",
            "Ocean_Grove:3226",
            "Torquay:3228",
            "Colac:3250",
            "Warrnambool:3280",
            "Hamilton:3300",
            "Portland:3305",
            "Melton:3337",
            "Ballarat_Central:3350",
            "Ballarat_East:3350",
            "Wendouree:3355",
            "Sebastopol:3356",
            "Delacombe:3356",
            "Ararat:3377",
            "Stawell:3380",
            "Horsham:3400",
            "Sunbury:3429",
            "Kyneton:3444",
            "Castlemaine:3450",
            "Maryborough:3465",
            "Mildura:3500",
            "Bendigo:3550",
            "Long_Gully:3550",
            "Kennington:3550",
            "Kangaroo_Flat:3555",
            "Golden_Square:3555",
            "Eaglehawk:3556",
            "Echuca:3564",
            "Kerang:3579",
            "Swan_Hill:3585",
            "Mooroopna:3629",
            "Shepparton:3630",
            "Cobram:3644",
            "Broadford:3658",
            "Seymour:3660",
            "Benalla:3672",
            "Wangaratta:3677",
            "Wodonga:3690",
            "Mansfield:3722",
            "Yarrawonga:3730",
            "South_Morang:3752",
            "Mernda:3754",
            "Doreen:3754",
            "Wallan:3756",
            "Whittlesea:3757",
            "Kilmore:3764",
            "Healesville:3777",
            "Warburton:3799",
            "Endeavour_Hills:3802",
            "Hallam:3803",
            "Narre_Warren:3805",
            "Berwick:3806",
            "Pakenham:3810",
            "Drouin:3818",
            "Warragul:3820",
            "Moe:3825",
            "Newborough:3825",
            "Morwell:3840",
            "Churchill:3842",
            "Traralgon:3844",
            "Sale:3850",
            "Bairnsdale:3875",
            "Orbost:3888",
            "Lakes_Entrance:3909",
            "Langwarrin:3910",
            "Hastings:3915",
            "Mornington:3931",
            "Dromana:3936",
            "Rosebud:3939",
            "Sorrento:3943",
            "Leongatha:3953",
            "Lynbrook:3975",
            "Hampton_Park:3976",
            "Cranbourne:3977",
            "Wonthaggi:3995",
        ]
    )
)

STREET_NAMES = _words(
    """
    High Main Station Church Victoria Queen King William George Park Railway Albert
    Elizabeth Bridge Mill Hope Nelson Wellington Gladstone Napier Lygon Sydney Bell
    Gilbert Plenty Heidelberg Murray Dandenong Princes Nepean Burwood Canterbury
    Whitehorse Maroondah Springvale Centre Warrigal Waverley Stud Police Frankston
    Cranbourne Thompson Ballarat Geelong Hopkins Barkly Raleigh Buckley Sunshine Melton
    Keilor Racecourse Epsom Boundary Francis Grey Hotham Johnston Smith Brunswick
    Rathdowne Nicholson Hoddle Swan Bridport Chapel Commercial Glenferrie Burke Toorak
    Balwyn Doncaster Manningham Blackburn Springfield Mitcham Wantirna Boronia Stud
    Scoresby Wellington Heatherton Warrigal Centre Bluff Beach Esplanade Marine Ocean
    Bay Point Nepean Tyabb Oak Elm Ash Wattle Banksia Acacia Grevillea Waratah Boronia
    Bottlebrush Jacaranda Myrtle Laurel Cedar Pine Willow Maple Poplar Cypress Linden
    Hawthorn Rose Lily Violet Daisy Heather Ivy Fern Orchid Camellia Magnolia Hill Valley
    Ridge View Glen Lake River Creek Forest Garden Meadow Spring Summit Sunset Sunrise
    Anderson Campbell Collins Flinders Lonsdale Bourke Spencer Russell Exhibition
    Lansdowne Fitzroy Moray Clarendon Cecil Dorcas Coventry Cromwell Bromham Lyons
    Hume Sturt Mitchell Batman Fawkner Latrobe Hoddle Macarthur Kingsford Monash Menzies
    Curtin Chifley Deakin Barton Lawson Paterson Dennis Gordon Kendall Wentworth
    """
)

STREET_TYPES: tuple[tuple[str, str], ...] = (
    ("Street", "St"),
    ("Road", "Rd"),
    ("Avenue", "Ave"),
    ("Court", "Ct"),
    ("Crescent", "Cres"),
    ("Drive", "Dr"),
    ("Place", "Pl"),
    ("Grove", "Gr"),
    ("Close", "Cl"),
    ("Parade", "Pde"),
    ("Lane", "La"),
    ("Way", "Wy"),
    ("Terrace", "Tce"),
    ("Boulevard", "Bvd"),
    ("Circuit", "Cct"),
    ("Highway", "Hwy"),
    ("Square", "Sq"),
)

HONORIFICS_MALE = ("Mr", "Mr.", "MR")
HONORIFICS_FEMALE = ("Mrs", "Ms", "Miss", "Mrs.", "MS")

# Common diminutives kept even when they do not share the first letter.
COMMON_NICKNAMES = frozenset(
    {
        "bob",
        "bobby",
        "bill",
        "billy",
        "dick",
        "jack",
        "peggy",
        "polly",
        "ted",
        "ned",
        "harry",
        "hank",
        "sally",
        "patsy",
        "betty",
        "bess",
        "liz",
        "lisa",
        "beth",
        "kate",
        "kath",
        "maggie",
        "meg",
        "molly",
        "jim",
        "jimmy",
        "jenny",
        "sue",
        "sandy",
        "tony",
        "chris",
        "nick",
        "matt",
        "mike",
        "dave",
        "steve",
        "andy",
        "drew",
        "sam",
        "tom",
        "dan",
        "danny",
        "joe",
        "joey",
        "pete",
        "ben",
        "alex",
        "charlie",
        "chuck",
        "fred",
        "frank",
        "greg",
        "ken",
        "ron",
        "don",
        "ray",
        "larry",
        "vince",
        "gerry",
        "wally",
        "ernie",
        "stan",
        "norm",
        "nate",
        "zac",
        "zach",
        "josh",
        "luke",
        "bec",
        "becky",
        "jess",
        "jessie",
        "em",
        "emmy",
        "steph",
        "cathy",
        "katie",
        "kitty",
        "annie",
        "nan",
        "nancy",
        "pat",
        "trish",
        "deb",
        "debbie",
        "jo",
        "chrissy",
        "tina",
        "vicky",
        "vic",
        "lexie",
        "ally",
        "sophie",
        "tess",
        "terri",
        "mandy",
        "manda",
        "mel",
        "nat",
        "shaz",
        "jen",
        "jenn",
        "val",
        "rosie",
        "fran",
        "frankie",
        "gina",
        "ginny",
        "ellie",
        "nell",
        "flo",
        "evie",
        "dot",
        "dottie",
        "babs",
        "barb",
    }
)
