//! `actor`: beyond the course; share by communicating.
//!
//! Lesson: if only one thread ever touches the balances, there is nothing to race on. Mechanism:
//! an owner thread holds the balances and applies transfer and audit requests received on a
//! channel one at a time, replying on a per-request channel; callers only send and wait. The
//! owner still yields between debit and credit, and nobody can observe it mid-transfer.
//! Expected verdict: every invariant holds; it cannot deadlock (the owner waits only for
//! requests, callers only for the owner). Dropping the bank closes the channel and joins the owner.
//! Linearizable: the owner applies requests one at a time, each between its call's send and the
//! caller's receipt of the answer, so the owner's order is a serial order within real time.

use super::shared_steps::move_money;
use crate::bank::{
    AccountId, Bank, BankOptions, Money, OpenBank, OpenError, TransferError, validate_initial,
    validate_request,
};
use crate::runtime::{ChannelReceiver, ChannelSender, Joinable, Runtime};

/// A request to the owner thread, with the channel to answer on.
enum Request<R: Runtime> {
    Transfer {
        from: AccountId,
        to: AccountId,
        amount: Money,
        reply: R::Sender<Result<(), TransferError>>,
    },
    Audit {
        reply: R::Sender<Vec<Money>>,
    },
}

/// The bank served by one owner thread.
pub struct ActorBank<R: Runtime> {
    // invariant: `Some` until drop; dropping it ends the owner thread.
    requests: Option<R::Sender<Request<R>>>,
    owner: Option<R::JoinHandle<()>>,
    account_count: usize,
}

impl<R: Runtime> ActorBank<R> {
    fn ask<T: Send + 'static>(&self, request: impl FnOnce(R::Sender<T>) -> Request<R>) -> T {
        let (reply, answer) = R::channel();
        let requests = self
            .requests
            .as_ref()
            .expect("the owner runs until the bank is dropped");
        if requests.send(request(reply)).is_err() {
            panic!("the actor bank's owner thread has stopped");
        }
        answer
            .recv()
            .expect("the owner thread answers every request")
    }
}

/// The owner thread: applies requests in arrival order until every sender is gone.
fn serve<R: Runtime>(
    mut balances: Vec<Money>,
    requests: R::Receiver<Request<R>>,
    options: BankOptions,
) {
    while let Some(request) = requests.recv() {
        match request {
            Request::Transfer {
                from,
                to,
                amount,
                reply,
            } => {
                let [from_balance, to_balance] = balances
                    .get_disjoint_mut([from, to])
                    .expect("validated by the caller");
                let result = move_money::<R>((from, to, amount), from_balance, to_balance, options);
                // A caller that has gone away no longer needs the answer.
                let _ = reply.send(result);
            }
            Request::Audit { reply } => {
                let _ = reply.send(balances.clone());
            }
        }
    }
}

impl<R: Runtime> OpenBank for ActorBank<R> {
    fn open(initial: &[Money], options: BankOptions) -> Result<Self, OpenError> {
        validate_initial(initial)?;
        let (requests, inbox) = R::channel();
        let balances = initial.to_vec();
        let owner = R::spawn("actor-owner".to_string(), move || {
            serve::<R>(balances, inbox, options)
        });
        Ok(Self {
            requests: Some(requests),
            owner: Some(owner),
            account_count: initial.len(),
        })
    }
}

impl<R: Runtime> Bank for ActorBank<R> {
    fn account_count(&self) -> usize {
        self.account_count
    }

    fn transfer(&self, from: AccountId, to: AccountId, amount: Money) -> Result<(), TransferError> {
        validate_request(self.account_count, from, to, amount)?;
        self.ask(|reply| Request::Transfer {
            from,
            to,
            amount,
            reply,
        })
    }

    fn audit(&self) -> Vec<Money> {
        self.ask(|reply| Request::Audit { reply })
    }
}

impl<R: Runtime> Drop for ActorBank<R> {
    fn drop(&mut self) {
        drop(self.requests.take());
        if let Some(owner) = self.owner.take() {
            // The owner only panics if a request handler did; don't panic again while dropping.
            let _ = owner.join();
        }
    }
}
