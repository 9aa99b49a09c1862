package traffic

import (
	"crypto/md5"
	"encoding/hex"
	"time"
)

// DefaultConfig returns the configuration used by demos and benchmarks:
// 100,000 events over 7 days from 2024-11-04, two assistants, 60 % of the
// senders on Rasa >= 3.16, 50 concurrent conversations.
func DefaultConfig() Config {
	start := time.Date(2024, 11, 4, 0, 0, 0, 0, time.UTC)
	return Config{
		Seed:              1,
		Events:            100_000,
		Start:             start,
		Days:              7,
		Assistants:        DefaultAssistants(start),
		SessionsPerSender: []float64{70, 20, 7, 3},
		Rasa316Share:      0.6,
		Environment:       "production",
		Concurrency:       50,
	}
}

// modelID derives a stable uuid4-hex-looking model id from a model name.
func modelID(name string) string {
	h := md5.Sum([]byte("rasa-model:" + name))
	return hex.EncodeToString(h[:])
}

// modelName builds a Rasa model name ("20241104-180409-gentle-archive") for
// a model trained at t.
func modelName(t time.Time, adjective, noun string) string {
	return t.UTC().Format("20060102-150405") + "-" + adjective + "-" + noun
}

// DefaultAssistants returns the two demo assistants, "acme-bank" and
// "acme-insurance", each with two model versions (the second rolled out in
// the middle of the window), several channels, CALM flows, a sub-agent flow,
// a human-handoff flow and knowledge questions. Model names carry training
// times just before start.
func DefaultAssistants(start time.Time) []Assistant {
	start = start.UTC()
	bankV1 := modelName(start.Add(-6*24*time.Hour+9*time.Hour+15*time.Minute+12*time.Second), "brave", "harbor")
	bankV2 := modelName(start.Add(2*24*time.Hour+18*time.Hour+4*time.Minute+9*time.Second), "gentle", "archive")
	insV1 := modelName(start.Add(-3*24*time.Hour-25*time.Minute-27*time.Second), "bold", "falcon")
	insV2 := modelName(start.Add(3*24*time.Hour+14*time.Hour+30*time.Minute+57*time.Second), "quiet", "meadow")

	cardType := Slot{Name: "card_type", Ask: "Which card should we block?", Answers: []Answer{
		{"credit", "credit"}, {"debit", "debit"}, {"the visa one", "credit"}, {"my debit card", "debit"}, {"Kreditkarte", "credit"},
	}}
	replaceType := cardType
	replaceType.Ask = "Which card should we replace?"
	address := Slot{Name: "street_address", Ask: "What is your new address?", Answers: []Answer{
		{"Hauptstraße 5", "Hauptstraße 5"}, {"Main St 1", "Main St 1"}, {"221B Baker Street", "221B Baker Street"},
		{"Rue de Rivoli 10, Paris", "Rue de Rivoli 10, Paris"}, {"4 Privet Drive, Little Whinging", "4 Privet Drive, Little Whinging"},
	}}
	addressTriggers := []string{"change my address", "I moved", "update my home address", "I have a new address", "need to update where I live"}

	bank := Assistant{
		Name:   "acme-bank",
		Weight: 1.4,
		Models: []Model{
			{ID: modelID(bankV1), Name: bankV1, From: 0},
			{ID: modelID(bankV2), Name: bankV2, From: 0.45},
		},
		Channels: []Channel{
			{"socketio", 38}, {"rest", 30}, {"twilio", 10}, {"facebook", 8}, {"telegram", 5}, {"slack", 5}, {"audiocodes", 4},
		},
		Greeting: "Hi! I'm Acme Bank's virtual assistant. How can I help you today?",
		Flows: []Flow{
			{ID: "transfer_money", Weight: 22,
				Triggers: []string{"I want to send money", "transfer 50 dollars to Jane", "Can I make a payment to my landlord?", "send money to my sister", "I need to pay Tom back", "wire transfer please", "how do I transfer money to a friend"},
				Slots: []Slot{
					{Name: "recipient", Ask: "Who would you like to send money to?", Answers: []Answer{
						{"Jane", "Jane"}, {"Tom", "Tom"}, {"my landlord", "my landlord"}, {"my sister Anna", "Anna"}, {"Jürgen Müller", "Jürgen Müller"}, {"to Pedro", "Pedro"},
					}},
					{Name: "amount", Ask: "How much money would you like to send?", Answers: []Answer{
						{"50", 50}, {"1000", 1000}, {"120.5", 120.5}, {"$75", 75}, {"two hundred", 200}, {"250 euros", 250}, {"19.99", 19.99},
					}},
					{Name: "transfer_confirmation", Ask: "Please confirm: should I send the money now?", Answers: []Answer{
						{"yes", true}, {"yes please", true}, {"confirm", true}, {"go ahead", true}, {"/SetSlots(transfer_confirmation=true)", true},
					}},
				},
				Action: "action_execute_transfer", Response: "utter_transfer_complete", ResponseText: "Your transfer has been sent."},
			{ID: "check_balance", Weight: 20,
				Triggers: []string{"what's my balance?", "how much money do I have", "Kontostand bitte überprüfen", "balance", "show me my account balance", "do I have enough money on my checking account?"},
				Action:   "action_check_balance", Response: "utter_current_balance", ResponseText: "Your balance is $1,234.56."},
			{ID: "block_card", Weight: 14,
				Triggers: []string{"I lost my card", "someone stole my card", "block my card now", "freeze my credit card", "my wallet was stolen 😱"},
				Slots:    []Slot{cardType},
				Action:   "action_block_card", Response: "utter_card_blocked", ResponseText: "Your card is blocked. A replacement will arrive within 5 business days."},
			{ID: "replace_card", Weight: 10,
				Triggers: []string{"need a new debit card", "my card is broken 💳", "can I get a replacement card?", "the chip on my card stopped working"},
				Slots: []Slot{replaceType, {Name: "replacement_reason", Ask: "What happened to the card?", Answers: []Answer{
					{"damaged", "damaged"}, {"lost", "lost"}, {"stolen", "stolen"}, {"it expired", "expired"}, {"it's bent", "damaged"},
				}}},
				Action: "action_order_card", Response: "utter_card_ordered", ResponseText: "A new card is on its way."},
			{ID: "update_address", Weight: 8, Triggers: addressTriggers, Slots: []Slot{address},
				Action: "action_update_address", Response: "utter_address_updated", ResponseText: "Your address is updated."},
			{ID: "list_transactions", Weight: 10,
				Triggers: []string{"show my last transactions", "what did I spend last week?", "recent payments", "list my card payments"},
				Action:   "action_list_transactions", Response: "utter_transactions", ResponseText: "Here are your last 5 transactions: Coffee Lab $4.50, Netflix $15.99, Rent $1,200.00, Grocer $63.20, Uber $18.75."},
			{ID: "dispute_charge", Weight: 5,
				Triggers: []string{"I don't recognize a charge", "there is a payment I didn't make", "dispute a transaction"},
				Slots: []Slot{
					{Name: "transaction_id", Ask: "Which transaction do you want to dispute?", Answers: []Answer{
						{"the 49.99 from Monday", "TX-4999-MON"}, {"yesterday's netflix charge", "TX-1599-NFX"}, {"the last one", "TX-LAST"},
					}},
					{Name: "dispute_reason", Ask: "Why are you disputing it?", Answers: []Answer{
						{"I never made it", "unauthorized"}, {"charged twice", "duplicate"}, {"the amount is wrong", "wrong_amount"},
					}},
				},
				Action: "action_open_dispute", Response: "utter_dispute_opened", ResponseText: "I opened a dispute. You'll hear from us within 10 days."},
			{ID: "talk_to_agent", Weight: 3, Handoff: true,
				Triggers: []string{"can you transfer me to support", "I want to speak to someone at the bank", "connect me with customer service"},
				Action:   "action_human_handoff", Response: "utter_transfer_to_support", ResponseText: "I'm handing you over to our support team."},
			{ID: "explore_investments", Weight: 3, Agent: "investment_advisor",
				Triggers:   []string{"I'd like to invest some money", "what savings plans do you have?", "help me pick an ETF"},
				AgentIntro: "Happy to help you invest. How much would you like to put aside?",
				AgentTurns: []QA{
					{"around 5000 dollars", "With $5,000 and a 5-year horizon, a diversified ETF savings plan is a common choice. How much risk are you comfortable with?"},
					{"medium risk I guess", "Then a 60/40 mix of global equities and bonds could fit. Should I show you our plans?"},
					{"yes show me", "Acme Balanced (0.2% fee) and Acme Global Equity (0.25% fee) match your profile."},
				},
				Response: "utter_investment_summary", ResponseText: "I saved these suggestions to your inbox."},
		},
		Knowledge: []QA{
			{"what are your opening hours?", "We are open 9-5, Monday to Friday."},
			{"how do fees work", "Here is what I found about fees: account maintenance is free, international transfers cost 1%."},
			{"do you have an app?", "Yes, on iOS and Android."},
			{"what is the daily transfer limit?", "The daily transfer limit is $5,000."},
			{"how do I reset my online banking password?", "Use 'Forgot password' on the login page; we'll text you a code."},
			{"is there a fee for using foreign ATMs?", "Withdrawals at foreign ATMs cost $2.50 plus 1% of the amount."},
		},
	}

	ins := Assistant{
		Name:   "acme-insurance",
		Weight: 1,
		Models: []Model{
			{ID: modelID(insV1), Name: insV1, From: 0},
			{ID: modelID(insV2), Name: insV2, From: 0.55},
		},
		Channels: []Channel{
			{"rest", 35}, {"socketio", 33}, {"twilio", 10}, {"slack", 7}, {"facebook", 5}, {"audiocodes", 10},
		},
		Greeting:       "Welcome to Acme Insurance! What can I do for you?",
		CSATScale:      true,
		HandoffConfirm: true,
		Flows: []Flow{
			{ID: "file_claim", Weight: 25,
				Triggers: []string{"I want to file a claim", "I had a car accident", "water damage in my kitchen", "my luggage was lost on my trip", "someone broke into my house"},
				Slots: []Slot{
					{Name: "claim_type", Ask: "What kind of claim is it?", Answers: []Answer{{"car", "car"}, {"home", "home"}, {"travel", "travel"}, {"it's for my car", "car"}}},
					{Name: "incident_date", Ask: "When did it happen?", Answers: []Answer{{"yesterday", "yesterday"}, {"2024-10-30", "2024-10-30"}, {"last Friday", "last Friday"}, {"this morning", "this morning"}}},
					{Name: "claim_description", Ask: "Please describe what happened.", Answers: []Answer{
						{"pipe burst", "pipe burst"}, {"rear-ended at a light", "rear-ended at a light"}, {"suitcase never arrived", "suitcase never arrived"}, {"window smashed and laptop stolen", "window smashed and laptop stolen"},
					}},
				},
				Action: "action_submit_claim", Response: "utter_claim_submitted", ResponseText: "Your claim has been submitted. Your claim number is CLM-0042."},
			{ID: "check_claim_status", Weight: 20,
				Triggers: []string{"status of my claim?", "any news on claim 4711", "when will my claim be paid?", "has my claim been approved"},
				Slots:    []Slot{{Name: "claim_id", Ask: "What is your claim number?", Answers: []Answer{{"4711", "4711"}, {"CLM-0042", "CLM-0042"}, {"clm 1337", "CLM-1337"}}}},
				Action:   "action_claim_status", Response: "utter_claim_status", ResponseText: "Your claim is being reviewed. We expect a decision within 3 days."},
			{ID: "get_quote", Weight: 15,
				Triggers: []string{"how much is car insurance?", "I need a quote for home insurance", "quote for travel insurance", "what would it cost to insure my flat"},
				Slots: []Slot{
					{Name: "coverage_type", Ask: "What would you like to insure?", Answers: []Answer{{"car", "car"}, {"home", "home"}, {"travel", "travel"}, {"my apartment", "home"}}},
					{Name: "zip_code", Ask: "What is your ZIP code?", Answers: []Answer{{"10115", "10115"}, {"94103", "94103"}, {"80331", "80331"}}},
				},
				Action: "action_get_quote", Response: "utter_quote", ResponseText: "Your estimated premium is $42 per month."},
			{ID: "update_address", Weight: 10, Triggers: addressTriggers, Slots: []Slot{address},
				Action: "action_update_address", Response: "utter_address_updated", ResponseText: "Your address is updated on all your policies."},
			{ID: "cancel_policy", Weight: 6,
				Triggers: []string{"I want to cancel my policy", "cancel my insurance", "how do I end my contract"},
				Slots: []Slot{
					{Name: "policy_number", Ask: "What is your policy number?", Answers: []Answer{{"POL-77812", "POL-77812"}, {"77812", "POL-77812"}, {"pol 4410", "POL-4410"}}},
					{Name: "cancel_confirmation", Ask: "Are you sure you want to cancel the policy?", Answers: []Answer{{"yes", true}, {"yes, cancel it", true}, {"/SetSlots(cancel_confirmation=true)", true}}},
				},
				Action: "action_cancel_policy", Response: "utter_policy_cancelled", ResponseText: "Your policy will end at the end of this month."},
			{ID: "add_driver", Weight: 6,
				Triggers: []string{"add my son to my car insurance", "add a driver", "my partner needs to drive my car too"},
				Slots: []Slot{
					{Name: "driver_name", Ask: "What is the driver's name?", Answers: []Answer{{"Lukas Schmidt", "Lukas Schmidt"}, {"Maya Chen", "Maya Chen"}, {"Zoë Dubois", "Zoë Dubois"}}},
					{Name: "driver_birthdate", Ask: "What is their date of birth?", Answers: []Answer{{"2005-03-14", "2005-03-14"}, {"1 July 1999", "1999-07-01"}}},
				},
				Action: "action_add_driver", Response: "utter_driver_added", ResponseText: "The driver has been added to your policy."},
			{ID: "talk_to_agent", Weight: 3, Handoff: true,
				Triggers: []string{"can you transfer me to support", "I need to talk to a claims adjuster", "put me through to an agent"},
				Action:   "action_human_handoff", Response: "utter_transfer_to_support", ResponseText: "I'm handing you over to a claims specialist."},
			{ID: "plan_trip_coverage", Weight: 3, Agent: "travel_agent",
				Triggers:   []string{"I'm travelling to Japan next month", "do I need extra cover for my ski trip?"},
				AgentIntro: "Sure! How long will you be away?",
				AgentTurns: []QA{
					{"two weeks in April", "For two weeks abroad I recommend our Travel Plus cover. Will you do any winter sports?"},
					{"no, just sightseeing", "Then Travel Plus without the sports add-on is enough: $38 for the whole trip."},
				},
				Response: "utter_trip_cover_offer", ResponseText: "I sent you a link to buy Travel Plus."},
		},
		Knowledge: []QA{
			{"does my policy cover hail damage?", "Comprehensive car policies cover hail damage; basic liability does not."},
			{"what is a deductible?", "The deductible is the part of a claim you pay yourself before we pay the rest."},
			{"how long does a claim take?", "Most claims are decided within 10 business days."},
			{"do you have an app?", "Yes, search for Acme Insurance on iOS and Android."},
			{"can I pay monthly?", "Yes, monthly payments cost 3% more than paying yearly."},
		},
	}
	return []Assistant{bank, ins}
}
