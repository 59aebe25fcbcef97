package orders

import (
	"slices"

	"github.com/toplab/toplab/system/backend"
)

// tradeModel is what the generator expects of one order: the trade centre's
// transition rules (backend/lifecycle.go applyEvent) over the little state
// they read. A script is built by applying each step here first and keeping
// only those the model allows.
type tradeModel struct {
	status      string
	lines       []lineModel
	buyerRated  bool
	sellerRated bool
}

// lineModel is one sub-order.
type lineModel struct {
	shipped bool
	closed  bool   // refunded, or closed with the trade
	refund  string // backend's Refund* statuses
}

func newTradeModel(lines int) *tradeModel {
	m := &tradeModel{status: backend.StatusWaitBuyerPay, lines: make([]lineModel, lines)}
	for i := range m.lines {
		m.lines[i].refund = backend.RefundNone
	}
	return m
}

func (m *tradeModel) in(statuses ...string) bool { return slices.Contains(statuses, m.status) }

// first returns the first line that fits, as the trade centre picks a
// sub-order when an event names none, or -1.
func (m *tradeModel) first(fits func(lineModel) bool) int {
	return slices.IndexFunc(m.lines, fits)
}

func unshipped(l lineModel) bool { return !l.closed && !l.shipped }

func (m *tradeModel) count(fits func(lineModel) bool) int {
	n := 0
	for _, l := range m.lines {
		if fits(l) {
			n++
		}
	}
	return n
}

// apply changes the model by ev if the trade centre allows ev now, and
// reports whether it does.
func (m *tradeModel) apply(ev backend.EventKind, rater string) bool {
	unpaid := m.in(backend.StatusWaitBuyerPay, backend.StatusPayPending)
	awaitingShipment := m.in(backend.StatusWaitSellerSendGoods, backend.StatusSellerConsignedPart)
	switch ev {
	case backend.EventPay:
		if !unpaid {
			return false
		}
		m.status = backend.StatusWaitSellerSendGoods
	case backend.EventPartlyShip:
		if !awaitingShipment || m.count(unshipped) < 2 {
			return false
		}
		m.lines[m.first(unshipped)].shipped = true
		m.status = backend.StatusSellerConsignedPart
	case backend.EventShip:
		if !awaitingShipment {
			return false
		}
		for i := range m.lines {
			if unshipped(m.lines[i]) {
				m.lines[i].shipped = true
			}
		}
		m.status = backend.StatusWaitBuyerConfirm
	case backend.EventConfirm:
		if !m.in(backend.StatusWaitBuyerConfirm, backend.StatusTradeBuyerSigned) {
			return false
		}
		m.status = backend.StatusTradeFinished
	case backend.EventClose:
		if !unpaid {
			return false
		}
		m.status = backend.StatusTradeClosedByTaobao
		for i := range m.lines {
			m.lines[i].closed = true
		}
	case backend.EventRefundCreate:
		paid := m.in(backend.StatusWaitSellerSendGoods, backend.StatusSellerConsignedPart, backend.StatusWaitBuyerConfirm,
			backend.StatusTradeBuyerSigned, backend.StatusTradeFinished)
		i := m.first(func(l lineModel) bool {
			return !l.closed && (l.refund == backend.RefundNone || l.refund == backend.RefundClosed)
		})
		if !paid || i < 0 {
			return false
		}
		m.lines[i].refund = backend.RefundWaitSellerAgree
	case backend.EventRefundSuccess, backend.EventRefundClose:
		i := m.first(func(l lineModel) bool { return l.refund == backend.RefundWaitSellerAgree })
		if i < 0 {
			return false
		}
		if ev == backend.EventRefundClose {
			m.lines[i].refund = backend.RefundClosed
			return true
		}
		m.lines[i].refund, m.lines[i].closed = backend.RefundSuccess, true
		switch {
		case m.count(func(l lineModel) bool { return !l.closed }) == 0:
			m.status = backend.StatusTradeClosed
		case m.status == backend.StatusSellerConsignedPart && m.count(unshipped) == 0:
			m.status = backend.StatusWaitBuyerConfirm
		}
	case backend.EventModifyFee:
		return unpaid
	case backend.EventMemo:
		return true
	case backend.EventRate:
		rated := &m.buyerRated
		if rater == "seller" {
			rated = &m.sellerRated
		}
		if m.status != backend.StatusTradeFinished || *rated {
			return false
		}
		*rated = true
	case backend.EventAddressChange:
		return unpaid || m.status == backend.StatusWaitSellerSendGoods
	default:
		return false
	}
	return true
}
