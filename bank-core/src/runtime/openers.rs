//! Opening a bank on one runtime as a plain function pointer, so that a subject can be a
//! `const` value: [`Opener`], and [`open_boxed`], the opener of any [`OpenBank`].

use crate::bank::{Bank, BankOptions, Money, OpenBank, OpenError};

/// Opens a bank of one design on one runtime, boxed.
pub type Opener = fn(&[Money], BankOptions) -> Result<Box<dyn Bank>, OpenError>;

/// Opens a `B` and boxes it: `open_boxed::<MyBank<OsThreads>>` is an [`Opener`].
pub fn open_boxed<B: OpenBank + 'static>(
    initial: &[Money],
    options: BankOptions,
) -> Result<Box<dyn Bank>, OpenError> {
    Ok(Box::new(B::open(initial, options)?))
}
