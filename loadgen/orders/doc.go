// Package orders is the order lifecycle generator: it drives the trade
// centre's internal HTTP API (backend's /internal/trades) through create ->
// pay -> ship (sometimes a partial shipment first) -> confirm, with closes of
// unpaid orders, refunds, fee changes, memo edits, address changes and
// ratings, at the pace of a vegeta.Pacer: each hit is one action.
//
// # Planning and execution
//
// What happens is planned apart from when it completes, so a seed fixes the
// action sequence whatever the server's timing. The planner keeps a pool of
// orders in progress (about Config.Open of them): each hit either creates an
// order, drawing its whole script at once (seller, buyer, lines and which of
// the optional events it will go through, in an order its lifecycle allows),
// or takes the next step of a random order of the pool. The create
// probability leans on the pool's size so it settles around Open; a small
// pool puts several actions of one order in the same second, which the trade
// centre's modified rule (each change at least a second after the last) is
// there to handle.
//
// Scripts are checked against a model of the trade centre's transition rules
// (model.go mirrors backend's lifecycle), so a 409 means the model and the
// trade centre disagree: they are counted, and should not happen. Every 2xx
// answer's status is compared with the model's (Stats.Drift).
//
// Execution keeps at most Config.Concurrency actions in flight and never two
// on one order: an action due while its order's previous one is in flight
// queues behind it. An action that fails (any status but 2xx, or no answer)
// leaves its order in an unknown state, so the order's remaining actions are
// skipped (Stats.Skipped) rather than sent to fail with 409s.
//
// The generator records nothing about sync: checkers compare the trade
// centre with the seller database afterwards.
package orders
